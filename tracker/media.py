"""Uploaded files handed out by the permission-checked views (evidence, meeting files, export archives), from
whichever storage holds them: MEDIA_ROOT, or an S3-compatible store (MEDIA_S3_BUCKET, settings.py).

From S3 the object's body is streamed as the response goes out, in FileResponse's blocks: django-storages' own
file object would first copy the whole object into a temporary file. No URL of the store is ever given out; the
store's objects stay private, and the view that checked the permission is the only way to a file.
"""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404


def _is_s3(storage) -> bool:
    from storages.backends.s3 import S3Storage

    return isinstance(storage, S3Storage)


class _S3Body:
    """The object's body, read as FileResponse asks; closed with the response."""

    def __init__(self, body, size: int):
        self._body = body
        self.size = size

    def read(self, amount: int = -1) -> bytes:
        return self._body.read(None if amount is None or amount < 0 else amount)

    def close(self) -> None:
        self._body.close()


def _open_s3(storage, name: str) -> _S3Body:
    from botocore.exceptions import ClientError
    from storages.utils import clean_name

    key = storage._normalize_name(clean_name(name))
    try:
        answer = storage.bucket.Object(key).get()
    except ClientError as error:
        if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
            raise FileNotFoundError(name) from None
        raise
    return _S3Body(answer["Body"], answer["ContentLength"])


def download_response(file: FieldFile, *, filename: str, content_type: str) -> FileResponse:
    """The stored file as an attachment, or 404 when it is gone from the storage."""
    if not file:
        raise Http404
    try:
        if _is_s3(file.storage):
            handle = _open_s3(file.storage, file.name)
            response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
            response["Content-Length"] = str(handle.size)
            return response
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)

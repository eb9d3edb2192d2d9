"""Reading an upload no further than settings.EVIDENCE_MAX_BYTES, for the web form and the API alike.

Evidence is the only thing uploaded, so the handler is first in FILE_UPLOAD_HANDLERS. It stops the body's
reading where a file starts whose request declares more than the limit (the fields before it, such as the CSRF
token and the description, are kept), and where a file's bytes pass the limit, whatever was declared. The
caller asks `upload_refused` and answers with `too_large_message`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils.translation import gettext as _

# Room for the multipart framing and the form's other fields beside the file itself.
MULTIPART_OVERHEAD = 64 * 1024


class EvidenceSizeLimit(FileUploadHandler):
    """Passes the chunks on to the next handler until the file would pass the limit, then stops reading."""

    refused = False
    declared = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.declared = content_length
        return None  # the next handlers parse

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.declared > settings.EVIDENCE_MAX_BYTES + MULTIPART_OVERHEAD:
            self._refuse()

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.EVIDENCE_MAX_BYTES:
            self._refuse()
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handlers hold the file

    def _refuse(self):
        self.refused = True
        raise StopUpload(connection_reset=True)  # the rest of the body is not read


def upload_refused(request) -> bool:
    """Whether this request's upload was stopped for its size (its file is then missing from FILES)."""
    return any(isinstance(handler, EvidenceSizeLimit) and handler.refused for handler in request.upload_handlers)


def too_large_message() -> str:
    return _("The file may be at most %(max)d MB.") % {"max": settings.EVIDENCE_MAX_BYTES // 1048576}

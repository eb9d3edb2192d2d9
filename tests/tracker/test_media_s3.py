"""Media on an S3-compatible store (MEDIA_S3_*, django-storages; #17 item 10), against a real S3 HTTP server:
moto's server mode on a free local port, spoken to over HTTP by boto3 as a MinIO or Ceph would be.

Uploads go into the bucket through the services and the web, downloads come back through the permission-checked
views (404 for who may not see them), objects stay private, the housekeeping removes old export archives from
the bucket, and a backup of a site on S3 restores, equal, onto another site on S3 (and onto a file system)."""

from __future__ import annotations

import datetime as dt
import json
import tarfile
from pathlib import Path

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from moto.server import ThreadedMotoServer

from proposals import services, tasks
from proposals.models import DocumentExport, Evidence
from tests.api.conftest import client_for
from tests.tracker.test_backup import COUNT, manage, sqlite_site
from tests.tracker.test_settings import PRODUCTION
from tests.tracker.test_settings import manage as production_manage
from tests.web.test_meeting_pages import PDF, held  # noqa: F401 (the fixture)
from tracker import media

KEY_ID, SECRET = "tracker-media", "tracker-media-secret-key"


@pytest.fixture(scope="module")
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_client(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET,
                        region_name="us-east-1")  # fmt: skip


_buckets = iter(range(1, 1000))


def new_bucket(endpoint: str) -> str:
    name = f"tracker-media-{next(_buckets)}"
    s3_client(endpoint).create_bucket(Bucket=name)
    return name


def objects(endpoint: str, bucket: str) -> dict[str, bytes]:
    client = s3_client(endpoint)
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {item["Key"]: client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read() for item in listed}


@pytest.fixture
def s3_media(s3_server, settings):
    """The media storage on a fresh bucket of the S3 server, as settings.py configures it from MEDIA_S3_*."""
    bucket = new_bucket(s3_server)
    environ = {**PRODUCTION, "MEDIA_S3_BUCKET": bucket, "MEDIA_S3_ENDPOINT_URL": s3_server,
               "MEDIA_S3_ACCESS_KEY_ID": KEY_ID, "MEDIA_S3_SECRET_ACCESS_KEY": SECRET,
               "MEDIA_S3_REGION": "us-east-1"}  # fmt: skip
    code = "from django.conf import settings as s; import json; print(json.dumps(s.STORAGES['default']))"
    configured = production_manage("shell", "--no-imports", "-c", code, **environ)
    assert configured.returncode == 0, configured.stderr
    settings.STORAGES = {**settings.STORAGES, "default": json.loads(configured.stdout)}
    assert type(storages["default"]).__name__ == "S3Storage"
    return bucket


def private(endpoint: str, bucket: str, key: str) -> bool:
    grants = s3_client(endpoint).get_object_acl(Bucket=bucket, Key=key)["Grants"]
    return not any("AllUsers" in grant["Grantee"].get("URI", "") or "AuthenticatedUsers" in
                   grant["Grantee"].get("URI", "") for grant in grants)  # fmt: skip


def test_evidence_uploaded_on_the_web_is_in_the_bucket_private_and_downloaded_through_the_view(
    client, world, s3_server, s3_media
):
    proposal = world.draft()
    client.force_login(world.secretary)
    content = "青年甲：希望有夜校。".encode() * 2000  # 60 kB: more than one block of FileResponse
    response = client.post(reverse("proposal-evidence-add", args=[proposal.pk]),
                           {"file": SimpleUploadedFile("访谈记录.txt", content), "description": "访谈"})  # fmt: skip
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    stored = objects(s3_server, s3_media)
    assert stored == {evidence.file.name: content}
    assert private(s3_server, s3_media, evidence.file.name)

    page = client.get(reverse("proposal-open", args=[proposal.pk])).content.decode()
    assert reverse("evidence-download", args=[evidence.pk]) in page
    assert s3_server not in page and s3_media not in page and "X-Amz-" not in page  # no link to the store

    response = client.get(reverse("evidence-download", args=[evidence.pk]))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Length"] == str(len(content))
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == content

    # Streamed from the object's body, not from a temporary copy of the whole file (django-storages' own file).
    streamed = media.download_response(evidence.file, filename="a.txt", content_type="text/plain")
    assert isinstance(streamed.file_to_stream, media._S3Body)
    assert b"".join(streamed.streaming_content) == content

    client.force_login(world.other_secretary)
    assert client.get(reverse("evidence-download", args=[evidence.pk])).status_code == 404

    # Through the API too: the delegates' client reads it, another office's secretary gets 404.
    url = f"/api/v1/proposals/{proposal.pk}/evidence/{evidence.pk}/"
    answer = client_for(world.secretary).get(url)
    assert answer.status_code == 200 and b"".join(answer.streaming_content) == content
    assert client_for(world.other_secretary).get(url).status_code == 404


def test_evidence_added_and_removed_through_the_service_comes_and_goes_from_the_bucket(
    world, s3_server, s3_media, django_capture_on_commit_callbacks
):
    proposal = world.draft()
    evidence = services.evidence_add(
        proposal_id=proposal.pk, actor=world.secretary,
        upload=SimpleUploadedFile("调研问卷.csv", "题目,人数\n就业压力,812\n".encode()), description="问卷结果",
    )  # fmt: skip
    second = services.evidence_add(
        proposal_id=proposal.pk, actor=world.secretary,
        upload=SimpleUploadedFile("调研问卷.csv", "题目,人数\n住房,90\n".encode()), description="同名的第二份",
    )  # fmt: skip
    assert evidence.file.name != second.file.name  # one name twice keeps both, as on the file system
    assert set(objects(s3_server, s3_media)) == {evidence.file.name, second.file.name}
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_remove(evidence_id=evidence.pk, actor=world.secretary, reason="重复")
    assert set(objects(s3_server, s3_media)) == {second.file.name}


def test_a_file_gone_from_the_bucket_is_a_404(client, world, s3_server, s3_media):
    proposal = world.draft()
    client.force_login(world.secretary)
    client.post(reverse("proposal-evidence-add", args=[proposal.pk]), {"file": SimpleUploadedFile("a.txt", b"x")})
    evidence = Evidence.objects.get()
    s3_client(s3_server).delete_object(Bucket=s3_media, Key=evidence.file.name)
    assert client.get(reverse("evidence-download", args=[evidence.pk])).status_code == 404
    api = client_for(world.secretary).get(f"/api/v1/proposals/{proposal.pk}/evidence/{evidence.pk}/")
    assert api.status_code == 404


def test_meeting_files_are_read_from_the_bucket_by_who_sees_the_meeting(client, world, held, s3_server, s3_media):  # noqa: F811
    client.force_login(world.secretary)
    assert client.post(reverse("meeting-file-add", args=[held.pk]),
                       {"file": SimpleUploadedFile("纪要.pdf", PDF)}).status_code == 302  # fmt: skip
    stored = held.files.get()
    assert objects(s3_server, s3_media) == {stored.file.name: PDF}
    client.force_login(world.lead)
    response = client.get(reverse("meeting-file-download", args=[stored.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    client.force_login(world.other_secretary)
    assert client.get(reverse("meeting-file-download", args=[stored.pk])).status_code == 404


def test_housekeeping_removes_old_export_archives_from_the_bucket(world, settings, s3_server, s3_media):
    settings.EXPORT_RETENTION_DAYS = 14
    now = timezone.now()
    made = {}
    for name, days in [("old", 15), ("recent", 13)]:
        export = DocumentExport.objects.create(
            requested_by=world.secretary, session=world.npc_session, organisation=world.branch,
            status=DocumentExport.Status.DONE, finished_at=now - dt.timedelta(days=days),
        )  # fmt: skip
        export.file.save(f"{name}.zip", ContentFile(b"PK\x05\x06" + bytes(18)))
        made[name] = export
    assert set(objects(s3_server, s3_media)) == {made["old"].file.name, made["recent"].file.name}
    tasks.remove_old_exports.delay()
    assert set(objects(s3_server, s3_media)) == {made["recent"].file.name}
    assert list(DocumentExport.objects.values_list("pk", flat=True)) == [made["recent"].pk]


# --- Backup and restore with the media on S3 (subprocesses on SQLite, each its own bucket) --------------------

SEED = (
    "from proposals.models import User, Organisation; from django.core.files.storage import default_storage; "
    "from django.core.files.base import ContentFile; "
    "o = Organisation.objects.create(name='朔州团市委', level='city', region='朔州'); "
    "User.objects.create_user('secretary', password='x', first_name='李', organisation=o); "
    "default_storage.save('evidence/2026/调研.pdf', ContentFile(b'%PDF-1.4 ' + bytes(range(256)) * 4000)); "
    "default_storage.save('exports/2026/导出.zip', ContentFile(b'PK\\x05\\x06' + bytes(18))); "
    "print(type(default_storage._wrapped).__name__)"
)


def s3_site(tmp_path: Path, name: str, endpoint: str, bucket: str) -> dict[str, str]:
    return {**sqlite_site(tmp_path, name), "MEDIA_S3_BUCKET": bucket, "MEDIA_S3_ENDPOINT_URL": endpoint,
            "MEDIA_S3_ACCESS_KEY_ID": KEY_ID, "MEDIA_S3_SECRET_ACCESS_KEY": SECRET}  # fmt: skip


def test_a_backup_of_media_on_s3_restores_equal_onto_another_bucket_and_onto_a_folder(tmp_path, s3_server):
    source_bucket, target_bucket = new_bucket(s3_server), new_bucket(s3_server)
    source = s3_site(tmp_path, "source", s3_server, source_bucket)
    secret_file = tmp_path / "s3-secret"
    secret_file.write_text(SECRET + "\n")  # the target reads its secret from a file, as a container would
    target = s3_site(tmp_path, "target", s3_server, target_bucket)
    del target["MEDIA_S3_SECRET_ACCESS_KEY"]
    target["MEDIA_S3_SECRET_ACCESS_KEY_FILE"] = str(secret_file)
    folder = sqlite_site(tmp_path, "folder")

    assert manage("migrate", "-v0", **source).returncode == 0
    seeded = manage("shell", "--no-imports", "-c", SEED, **source)
    assert seeded.returncode == 0, seeded.stderr
    assert seeded.stdout.strip() == "S3Storage"
    assert not (tmp_path / "source" / "media").exists()  # nothing went to the file system
    made = manage("backup", **source)
    assert made.returncode == 0, made.stderr
    (archive,) = (tmp_path / "backups").glob("tracker-backup-*.tar.gz")
    with tarfile.open(archive) as tar:
        assert {"media/evidence/2026/调研.pdf", "media/exports/2026/导出.zip"} <= set(tar.getnames())

    for site in (target, folder):
        restored = manage("restore", str(archive), **site)
        assert restored.returncode == 0, restored.stderr
        assert "all as the manifest records" in restored.stdout
    before, on_s3, on_disk = (
        json.loads(manage("shell", "--no-imports", "-c", COUNT, **site).stdout) for site in (source, target, folder)
    )
    assert before == on_s3 == on_disk
    assert sorted(before[1]) == ["evidence/2026/调研.pdf", "exports/2026/导出.zip"]
    assert objects(s3_server, target_bucket) == objects(s3_server, source_bucket)
    assert sorted(p.relative_to(tmp_path / "folder" / "media").as_posix()
                  for p in (tmp_path / "folder" / "media").rglob("*") if p.is_file()) == sorted(before[1])  # fmt: skip

    again = manage("restore", str(archive), "--force", **target)  # a forced restore replaces, never renames
    assert again.returncode == 0, again.stderr
    assert objects(s3_server, target_bucket) == objects(s3_server, source_bucket)

    # The archive is checked against a bucket that holds files: refused without --force.
    other = s3_site(tmp_path, "other", s3_server, source_bucket)
    refused = manage("restore", str(archive), **other)
    assert refused.returncode != 0 and f"The bucket {source_bucket} holds files" in refused.stderr


# --- Configuration: off by default, half configurations stop the start ----------------------------------------


def test_without_a_bucket_the_media_stay_on_the_file_system():
    code = "from django.conf import settings as s; print(s.STORAGES['default']['BACKEND'])"
    result = production_manage("shell", "--no-imports", "-c", code, **PRODUCTION)
    assert result.stdout.strip() == "django.core.files.storage.FileSystemStorage", result.stderr


CONFIGURED = {"MEDIA_S3_BUCKET": "media", "MEDIA_S3_ACCESS_KEY_ID": "k", "MEDIA_S3_SECRET_ACCESS_KEY": "s"}


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"MEDIA_S3_ENDPOINT_URL": "http://minio:9000"}, "MEDIA_S3_ENDPOINT_URL is set but MEDIA_S3_BUCKET is not"),
        ({"MEDIA_S3_SECRET_ACCESS_KEY_FILE": "/run/secrets/s3"}, "MEDIA_S3_SECRET_ACCESS_KEY_FILE is set but"),
        ({"MEDIA_S3_BUCKET": "media"}, "MEDIA_S3_ACCESS_KEY_ID and MEDIA_S3_SECRET_ACCESS_KEY"),
        ({"MEDIA_S3_BUCKET": "media", "MEDIA_S3_ACCESS_KEY_ID": "k"}, "MEDIA_S3_ACCESS_KEY_ID and MEDIA_S3_SECRET"),
        ({**CONFIGURED, "MEDIA_S3_ENDPOINT_URL": "minio:9000"}, "MEDIA_S3_ENDPOINT_URL"),
        ({**CONFIGURED, "MEDIA_S3_ADDRESSING_STYLE": "host"}, "MEDIA_S3_ADDRESSING_STYLE"),
    ],
)
def test_a_half_configured_bucket_stops_the_start(environ, message):
    result = production_manage("check", **PRODUCTION, **environ)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: ") and message in last, result.stderr

"""Error reports (SENTRY_DSN, sentry-sdk; tracker/error_reporting.py) reach a Sentry-compatible server: here a
small threaded HTTP server on a free local port that records the envelopes posted to the DSN's address, as a
self-hosted Sentry or GlitchTip on the intranet would receive them. The app runs in a subprocess (manage.py
shell, Django's test client through the whole WSGI stack, and an eager Celery task)."""

from __future__ import annotations

import gzip
import json
import subprocess
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.tracker.test_settings import PRODUCTION, production_setting
from tests.tracker.test_settings import manage as production_manage


class Collector:
    """POSTs to /api/<project>/envelope/, decompressed, in arrival order."""

    def __init__(self):
        self.envelopes: list[bytes] = []
        self.paths: list[str] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                encoding = self.headers.get("Content-Encoding", "")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                elif encoding == "br":  # sentry-sdk's choice when brotli is installed, as it is here (dev)
                    import brotli

                    body = brotli.decompress(body)
                collector.paths.append(self.path)
                collector.envelopes.append(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def dsn(self) -> str:
        return f"http://0123456789abcdef0123456789abcdef@127.0.0.1:{self.server.server_port}/42"

    def events(self) -> list[dict]:
        """Every item of type event (errors), parsed."""
        found = []
        for envelope in self.envelopes:
            lines = envelope.split(b"\n")
            for number, line in enumerate(lines[1:], start=1):
                try:
                    header = json.loads(line)
                except ValueError:
                    continue
                if isinstance(header, dict) and header.get("type") == "event" and number + 1 < len(lines):
                    found.append(json.loads(lines[number + 1]))
        return found


@pytest.fixture
def collector():
    collector = Collector()
    collector.thread.start()
    yield collector
    collector.server.shutdown()
    collector.server.server_close()


SCRIPT = r"""
import io
import sentry_sdk
from django.test import Client, RequestFactory
from django.urls import clear_url_caches, path
from django.views.decorators.csrf import csrf_exempt

from proposals.models import Organisation, User
from tracker import request_id, urls
from tracker.celery import app
from tracker.wsgi import application

@csrf_exempt
def boom(request):
    password = request.POST.get("password")  # a local variable the report's traceback would show
    raise RuntimeError("the view failed on purpose")

urls.urlpatterns.insert(0, path("boom/", boom))
clear_url_caches()

organisation = Organisation.objects.create(name="朔州团市委", level="city", region="朔州")
user = User.objects.create_user("secretary", password="Correct-Horse-9", organisation=organisation)
signed_in = Client()
signed_in.force_login(user)
session = signed_in.cookies["sessionid"].value
print("session", session)

# The request as gunicorn hands it to the WSGI application: signed in, with a token and a password in the form.
environ = RequestFactory().post(
    "/boom/", {"password": "hunter2-secret-pw", "comment": "ok"}, HTTP_X_REQUEST_ID="req-web-4711",
    HTTP_AUTHORIZATION="Token secret-token-abc123", HTTP_X_FORWARDED_FOR="203.0.113.9",
    HTTP_COOKIE=f"sessionid={session}; csrftoken=csrf-cookie-value-777",
).environ
answer = {}
def start_response(status, headers, exc_info=None):
    answer["status"], answer["headers"] = status, dict(headers)
body = b"".join(application(environ, start_response))
print("status", answer["status"].split()[0], answer["headers"].get("X-Request-ID"))

@app.task(name="tests.failing_task")
def failing(password):
    raise ValueError("the task failed on purpose")

app.conf.task_always_eager = True
token = request_id.current.set("req-task-0815")
try:
    failing.delay("task-secret-pw")
except ValueError:
    pass
request_id.current.reset(token)
print("active", sentry_sdk.get_client().is_active())
sentry_sdk.flush(timeout=10)
"""


def failure(event: dict) -> str:
    last = event.get("exception", {}).get("values", [{}])[-1]
    return f"{last.get('type')}: {last.get('value')}"


def run_app(tmp_path: Path, **environ: str) -> subprocess.CompletedProcess:
    site = {"TRACKER_VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "DEBUG": "false", "ALLOWED_HOSTS": "testserver", "CELERY_TASK_ALWAYS_EAGER": "1", **environ}  # fmt: skip
    migrated = production_manage("migrate", "-v0", **site)
    assert migrated.returncode == 0, migrated.stderr
    # Run from a file: on the command line the script's own secrets would be in sys.argv, which reports carry.
    script = tmp_path / "crash.py"
    script.write_text(SCRIPT, encoding="utf-8")
    return production_manage("shell", "--no-imports", "-c", f"exec(open({str(script)!r}).read())", **site)


def test_a_failing_view_and_task_reach_the_error_server_with_their_request_ids_and_without_secrets(tmp_path, collector):
    result = run_app(tmp_path, SENTRY_DSN=collector.dsn, SENTRY_ENVIRONMENT="shuozhou-test")
    assert result.returncode == 0, result.stderr
    assert "status 500 req-web-4711" in result.stdout and "active True" in result.stdout
    session = result.stdout.split("session ", 1)[1].split()[0]

    assert collector.paths and all(path == "/api/42/envelope/" for path in collector.paths)
    events = collector.events()
    web = [e for e in events if failure(e) == "RuntimeError: the view failed on purpose"]
    task = [e for e in events if failure(e) == "ValueError: the task failed on purpose"]
    assert web and task, [e.get("exception") for e in events]
    assert web[0]["tags"]["request_id"] == "req-web-4711"
    assert task[0]["tags"]["request_id"] == "req-task-0815"
    assert web[0]["environment"] == task[0]["environment"] == "shuozhou-test"
    assert web[0]["request"]["method"] == "POST" and "/boom/" in web[0]["request"]["url"]

    everything = b"\n".join(collector.envelopes).decode()
    for secret in ("hunter2-secret-pw", "Correct-Horse-9", "secret-token-abc123", "csrf-cookie-value-777", session,
                   "203.0.113.9", "task-secret-pw"):  # fmt: skip
        assert secret not in everything, secret
    headers = {name.lower(): value for name, value in web[0]["request"].get("headers", {}).items()}
    for name in ("cookie", "authorization", "x-forwarded-for"):
        assert headers.get(name, "[Filtered]") == "[Filtered]", name
    assert "user" not in web[0] or "ip_address" not in web[0]["user"]
    frames = [frame for event in (web[0], task[0]) for value in event["exception"]["values"]
              for frame in value["stacktrace"]["frames"]]  # fmt: skip
    assert frames and not any("vars" in frame for frame in frames)  # no local variables
    assert "data" not in web[0]["request"] or web[0]["request"]["data"] in ("", None, {}, "[Filtered]")


def test_without_a_dsn_sentry_is_not_started(tmp_path, collector):
    result = run_app(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "status 500 req-web-4711" in result.stdout and "active False" in result.stdout
    assert collector.envelopes == []


def test_the_calendar_secret_never_leaves_in_a_report():
    from tracker.error_reporting import before_send

    event = {"request": {"url": "https://t.example.org/calendar/Abc123secret.ics"},
             "logentry": {"message": "Internal Server Error: /calendar/Abc123secret.ics"}}  # fmt: skip
    assert "Abc123secret" not in json.dumps(before_send(event))


@pytest.mark.parametrize(
    ("environ", "complaint"),
    [
        ({"SENTRY_DSN": "not a dsn"}, "SENTRY_DSN is not a DSN"),
        ({"SENTRY_DSN": "https://errors.office.lan/1"}, "SENTRY_DSN is not a DSN"),  # no key
        ({"SENTRY_DSN": "https://k3y@errors.office.lan/"}, "SENTRY_DSN is not a DSN"),  # no project
        ({"SENTRY_TRACES_SAMPLE_RATE": "1.5"}, "SENTRY_TRACES_SAMPLE_RATE='1.5' is not a number from 0 to 1"),
        ({"SENTRY_TRACES_SAMPLE_RATE": "often"}, "SENTRY_TRACES_SAMPLE_RATE='often' is not a number from 0 to 1"),
        ({"SENTRY_TRACES_SAMPLE_RATE": "nan"}, "SENTRY_TRACES_SAMPLE_RATE"),
    ],
)
def test_a_bad_error_reporting_setting_stops_the_start(environ, complaint):
    result = production_manage("check", **PRODUCTION, **environ)
    last = result.stderr.strip().splitlines()[-1]
    assert result.returncode != 0
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: ") and complaint in last, result.stderr
    assert "errors.office.lan" not in last and "not a dsn" not in last  # a DSN holds a key: never echoed


def test_the_dsn_may_come_from_a_file(tmp_path):
    dsn = tmp_path / "dsn"
    dsn.write_text("https://0123456789abcdef@127.0.0.1:9/7\n")
    assert production_setting("(s.SENTRY_DSN, s.SENTRY_ENVIRONMENT, s.SENTRY_TRACES_SAMPLE_RATE)",
                              SENTRY_DSN_FILE=str(dsn), SENTRY_TRACES_SAMPLE_RATE="0.25") == (
        "('https://0123456789abcdef@127.0.0.1:9/7', 'production', 0.25)"
    )  # fmt: skip

"""The nginx sites and systemd units of deploy/, checked by the real tools (Debian's nginx, systemd-analyze).

Both tools are required: without them these tests fail, never skip (`.ci/debian-packages` installs them).

- `nginx -t` reads each site (deploy/nginx/tracker.conf for a Debian server, docker.conf for compose) inside a
  minimal nginx.conf of a temporary prefix, with tracker-proxy.conf and a self-signed pair that
  deploy/make-self-signed-cert.sh makes for the test: only the paths of those files are rewritten (and compose's
  upstream host `web`, which nginx would look up, becomes 127.0.0.1).
- `systemd-analyze verify` reads the units as they are written but for one thing: the virtualenv they run from
  (/opt/tracker/venv) becomes a temporary one whose gunicorn, celery and django-admin are stubs, so that
  "not executable" cannot hide any other complaint. Any output at all fails the test.
"""

from __future__ import annotations

import http.client
import http.server
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
NGINX_DIR = ROOT / "deploy" / "nginx"
UNITS_DIR = ROOT / "deploy" / "systemd"
UNITS = ("tracker-migrate.service", "tracker-web.service", "tracker-worker.service", "tracker-beat.service")
VENV = "/opt/tracker/venv"


def tool(name: str, *fallbacks: str) -> str:
    found = shutil.which(name) or next((path for path in fallbacks if Path(path).is_file()), None)
    if not found:
        pytest.fail(f"{name} is missing: run `bash .ci/debian-packages` as root (.ci/run does).", pytrace=False)
    return found


@pytest.fixture(scope="module")
def certificates(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tls")
    tool("openssl")
    subprocess.run(
        ["bash", str(ROOT / "deploy" / "make-self-signed-cert.sh"), "tracker.test,IP:127.0.0.1", str(folder), "2"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return folder


def nginx_test(site: str, tmp_path: Path, certificates: Path, source: Path = NGINX_DIR) -> subprocess.CompletedProcess:
    nginx = tool("nginx", "/usr/sbin/nginx")
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    shutil.copy(source / "tracker-proxy.conf", prefix / "tracker-proxy.conf")
    text = (source / site).read_text(encoding="utf-8")
    text = text.replace("/etc/nginx/snippets/tracker-proxy.conf", str(prefix / "tracker-proxy.conf"))
    text = re.sub(r"(ssl_certificate(?:_key)?) /\S+/(\w+\.pem);", rf"\1 {certificates}/\2;", text)
    text = text.replace("server web:8000;", "server 127.0.0.1:8000;")
    (prefix / "site.conf").write_text(text, encoding="utf-8")
    (prefix / "nginx.conf").write_text(
        f"""
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/site.conf;
}}
""",
        encoding="utf-8",
    )
    return subprocess.run(
        [nginx, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(prefix / "error.log")],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("site", ["tracker.conf", "docker.conf"])
def test_nginx_accepts_the_site(site, tmp_path, certificates):
    result = nginx_test(site, tmp_path, certificates)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    assert "[warn]" not in result.stderr, result.stderr


def test_nginx_refuses_a_broken_site(tmp_path, certificates):
    """The check is real: nginx -t fails on a site with a directive it does not know."""
    broken = tmp_path / "broken"
    shutil.copytree(NGINX_DIR, broken)
    site = (NGINX_DIR / "tracker.conf").read_text(encoding="utf-8")
    (broken / "tracker.conf").write_text(site.replace("server_tokens off;", "no_such_thing on;"), encoding="utf-8")
    result = nginx_test("tracker.conf", tmp_path, certificates, source=broken)
    assert result.returncode != 0
    assert "no_such_thing" in result.stderr


def test_the_proxy_buffers_and_takes_an_evidence_file():
    text = (NGINX_DIR / "tracker-proxy.conf").read_text(encoding="utf-8")
    assert re.search(r"^proxy_request_buffering on;", text, flags=re.MULTILINE)
    assert re.search(r"^proxy_buffering on;", text, flags=re.MULTILINE)
    [size] = re.findall(r"^client_max_body_size (\d+)m;", text, flags=re.MULTILINE)
    limit = int(size) * 1024 * 1024
    # Room for the multipart envelope and the other fields, but not a multiple of the file limit.
    assert settings.EVIDENCE_MAX_BYTES + 512 * 1024 <= limit <= settings.EVIDENCE_MAX_BYTES + 4 * 1024 * 1024
    assert limit > settings.API_MAX_JSON_BYTES
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in text  # NUM_PROXIES=1
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in text  # SECURE_PROXY_SSL_HEADER


def test_systemd_accepts_the_units(tmp_path):
    analyze = tool("systemd-analyze")
    for name in ("gunicorn", "celery", "django-admin"):
        stub = tmp_path / "venv" / "bin" / name
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
        stub.chmod(0o755)
    units = []
    for name in UNITS:
        text = (UNITS_DIR / name).read_text(encoding="utf-8")
        assert f"ExecStart={VENV}/bin/" in text, name
        (tmp_path / name).write_text(text.replace(VENV, str(tmp_path / "venv")), encoding="utf-8")
        units.append(str(tmp_path / name))
    result = subprocess.run([analyze, "verify", *units], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (result.stdout + result.stderr).strip() == ""


def test_systemd_verify_is_real(tmp_path):
    """A unit whose program is missing is refused, so a passing verify means something."""
    analyze = tool("systemd-analyze")
    unit = tmp_path / "tracker-web.service"
    unit.write_text((UNITS_DIR / "tracker-web.service").read_text(encoding="utf-8"), encoding="utf-8")
    result = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert f"{VENV}/bin/gunicorn is not executable" in result.stdout + result.stderr


def test_web_worker_and_beat_wait_for_migrate():
    for name in UNITS[1:]:
        text = (UNITS_DIR / name).read_text(encoding="utf-8")
        assert "Requires=tracker-migrate.service" in text, name
        assert re.search(r"^After=tracker-migrate.service", text, flags=re.MULTILINE), name
    migrate = (UNITS_DIR / "tracker-migrate.service").read_text(encoding="utf-8")
    assert "Type=oneshot" in migrate
    assert f"ExecStart={VENV}/bin/django-admin migrate --noinput" in migrate


# --- The site run for real (#17 walk-through of docs/operations.md) ------------------------------------------


class _Echo(http.server.BaseHTTPRequestHandler):
    """gunicorn's stand-in: answers with the Host and the path it was asked for, and notes the path."""

    def do_GET(self):
        self.server.seen.append(self.path)
        body = json.dumps({"host": self.headers.get("Host"), "path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(params=["tracker.conf", "docker.conf"])
def running_site(request, tmp_path, certificates):
    """nginx serving the site on free ports (80 and 443 rewritten), in front of the echo server."""
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    upstream.seen = []  # the paths that reached it
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    assert nginx_test(request.param, tmp_path, certificates).returncode == 0
    prefix = tmp_path / "nginx"
    http_port, https_port = free_port(), free_port()
    site = (prefix / "site.conf").read_text(encoding="utf-8")
    site = site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream.server_address[1]};")
    site = re.sub(r"listen 80;", f"listen 127.0.0.1:{http_port};", site)
    site = re.sub(r"listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;", site)
    site = re.sub(r"\s*listen \[::\]:\d+( ssl)?;", "", site)
    (prefix / "site.conf").write_text(site, encoding="utf-8")
    nginx = tool("nginx", "/usr/sbin/nginx")
    started = subprocess.run(
        [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(prefix / "error.log")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode == 0, started.stderr
    try:
        yield http_port, https_port, upstream.seen
    finally:
        pid = int((prefix / "nginx.pid").read_text().strip())
        os.kill(pid, signal.SIGQUIT)
        upstream.shutdown()


def ask(connection: http.client.HTTPConnection, path: str, host: str) -> http.client.HTTPResponse:
    for _attempt in range(50):  # nginx's workers may take a moment to listen
        try:
            connection.request("GET", path, headers={"Host": host})
            return connection.getresponse()
        except ConnectionRefusedError:
            connection.close()
            time.sleep(0.1)
    raise AssertionError(f"nginx does not answer on {connection.port}")


def test_plain_http_lets_through_exactly_the_health_paths_the_application_exempts(running_site):
    http_port, _, _ = running_site
    exempt = [re.compile(pattern) for pattern in settings.SECURE_REDIRECT_EXEMPT]
    for path in ("/healthz", "/healthz/live", "/healthz/ready", "/healthz/outbox", "/admin/", "/healthzz"):
        answer = ask(http.client.HTTPConnection("127.0.0.1", http_port, timeout=10), path, "tracker.test")
        answer.read()
        if any(pattern.match(path.lstrip("/")) for pattern in exempt):
            assert answer.status == 200, path  # passed to gunicorn, which does not redirect it either
        else:
            assert answer.status == 301, path
            assert answer.getheader("Location") == f"https://tracker.test{path}"


def test_the_client_host_reaches_gunicorn_with_its_port(running_site, certificates):
    """On an HTTPS port other than 443 Django compares the browser's Origin (https://name:port) with the Host it
    is given: without the port there, every sign-in form fails its CSRF check with 403."""
    _, https_port, _ = running_site
    context = ssl.create_default_context(cafile=str(certificates / "fullchain.pem"))
    connection = http.client.HTTPSConnection("127.0.0.1", https_port, timeout=10, context=context)
    answer = ask(connection, "/login/", f"tracker.test:{https_port}")
    assert answer.status == 200
    assert json.loads(answer.read()) == {"host": f"tracker.test:{https_port}", "path": "/login/"}


def test_nginx_never_passes_the_metrics_on(running_site, certificates):
    """/metrics (PROMETHEUS_METRICS) is refused by nginx itself, over HTTPS and plain HTTP; /healthz goes through."""
    http_port, https_port, seen = running_site
    context = ssl.create_default_context(cafile=str(certificates / "fullchain.pem"))

    def status(connection: http.client.HTTPConnection, path: str) -> int:
        answer = ask(connection, path, "tracker.test")
        answer.read()
        return answer.status

    def over_https() -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection("127.0.0.1", https_port, timeout=10, context=context)

    for path in ("/metrics", "/metrics/", "/metrics?x=1"):
        assert status(over_https(), path) == 403, path
        # Plain HTTP sends everything but the health paths to HTTPS.
        assert status(http.client.HTTPConnection("127.0.0.1", http_port, timeout=10), path) in (301, 403), path
    assert status(over_https(), "/healthz") == 200
    assert seen == ["/healthz"]  # no /metrics reached the application

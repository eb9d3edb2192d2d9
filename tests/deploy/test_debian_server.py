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

import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("site", ["tracker.conf", "docker.conf"])
def test_nginx_never_passes_the_metrics_on(site, tmp_path, certificates):
    """The site, run by the real nginx on free ports in front of a stand-in for gunicorn that answers every path:
    /healthz goes through, /metrics (PROMETHEUS_METRICS) is refused by nginx itself, over HTTPS and plain HTTP."""
    backend_port, http_port, https_port = _free_port(), _free_port(), _free_port()
    seen = []

    class Backend(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "3")
            self.end_headers()
            self.wfile.write(b"ok\n")

        def log_message(self, *args):
            pass

    backend = ThreadingHTTPServer(("127.0.0.1", backend_port), Backend)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    assert nginx_test(site, tmp_path, certificates).returncode == 0
    prefix = tmp_path / "nginx"
    text = (prefix / "site.conf").read_text(encoding="utf-8")
    text = text.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{backend_port};")
    text = re.sub(r"listen \[::\]:\d+( ssl)?;\n", "", text)
    text = text.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    text = text.replace("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;")
    (prefix / "site.conf").write_text(text, encoding="utf-8")
    nginx = subprocess.Popen(
        [tool("nginx", "/usr/sbin/nginx"), "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e",
         str(prefix / "error.log"), "-g", "daemon off;"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        context = ssl.create_default_context(cafile=str(certificates / "fullchain.pem"))

        def status(url: str) -> int:
            request = urllib.request.Request(url, headers={"Host": "tracker.test"})
            try:
                with urllib.request.urlopen(request, context=context, timeout=5) as answer:
                    return answer.status
            except urllib.error.HTTPError as error:
                return error.code

        for _ in range(100):  # nginx takes a moment to listen
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        https = f"https://127.0.0.1:{https_port}"
        assert status(f"{https}/healthz") == 200
        assert status(f"{https}/metrics") == 403
        assert status(f"{https}/metrics/") == 403
        assert status(f"{https}/metrics?x=1") == 403
        assert status(f"http://127.0.0.1:{http_port}/healthz") == 200
        assert seen == ["/healthz", "/healthz"]  # no /metrics reached the application
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        backend.shutdown()
        backend.server_close()

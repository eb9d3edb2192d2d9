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
import subprocess
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

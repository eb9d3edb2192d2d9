"""The calendar feed's secret stays out of the logs of a real gunicorn with production settings: its access
log (gunicorn.conf.py names the redacting logger) and Django's request log ("Not Found: ...")."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from proposals import services
from tests.e2e.processes import BIN, collect_web_static, free_port, production_env

pytestmark = pytest.mark.slow


def status_of(port: int, path: str) -> int:
    # As behind the TLS proxy: production settings redirect plain HTTP.
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"X-Forwarded-Proto": "https"})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_neither_a_live_nor_a_dead_secret_reaches_the_logs(requires_postgresql, committed_world, processes, tmp_path):
    env = production_env(tmp_path, broker_url="redis://127.0.0.1:1/0")
    collect_web_static(env)  # the 404 page is a page of the site, with its stylesheet
    live = services.calendar_token_regenerate(user=committed_world.secretary)
    dead = services.calendar_token_regenerate(user=committed_world.lead)
    services.calendar_token_regenerate(user=committed_world.lead)  # replaces it: the old one answers 404
    port = free_port()
    argv = [str(BIN / "gunicorn"), "tracker.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
            "--access-logfile", "-"]  # fmt: skip

    with processes.output_on_failure():
        processes.start("gunicorn", argv, env)
        processes.wait_for_port("gunicorn", port)
        assert status_of(port, f"/calendar/{live}.ics") == 200
        assert status_of(port, f"/calendar/{dead}.ics") == 404
        processes.wait_for_output("gunicorn", "Not Found: /calendar/")
        processes.stop("gunicorn")

    log = processes.output("gunicorn")
    assert live not in log and dead not in log, log
    assert log.count('"GET /calendar/….ics HTTP/1.1" 200') == 1, log
    assert log.count('"GET /calendar/….ics HTTP/1.1" 404') == 1, log
    assert "Not Found: /calendar/….ics" in log, log

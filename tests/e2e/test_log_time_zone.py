"""gunicorn's master, its workers and Django stamp their log lines in one time zone, TIME_ZONE (#17 item 6)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.processes import http, production_env, start_gunicorn

pytestmark = pytest.mark.slow


def test_every_line_of_gunicorn_and_django_is_in_time_zone(requires_postgresql, processes, tmp_path):
    env = production_env(tmp_path, broker_url="redis://127.0.0.1:1/0")  # no broker needed for a 404
    env.update(TZ="UTC", TIME_ZONE="Asia/Shanghai")  # the host's zone is another one
    with processes.output_on_failure():
        port = start_gunicorn(processes, env, workers=1)
        assert http(port, "GET", "/healthz/live").status == 200
        processes.wait_for_output("gunicorn", "Booting worker")
        # Django's own line (django.request logs the answer; without collectstatic the error page fails: a 500),
        # with the request id the proxy sent.
        http(port, "GET", "/nothing-here", headers={"X-Forwarded-Proto": "https", "X-Request-ID": "nginx-77aa"})
        processes.wait_for_output("gunicorn", "[nginx-77aa]: ")
        output = processes.output("gunicorn")
    offsets = re.findall(r"\d\d:\d\d:\d\d ([+-]\d{4})", output)
    assert "Starting gunicorn" in output and len(offsets) >= 3, output
    assert re.search(r"\+0800 \w+ django.request \[nginx-77aa\]: .*/nothing-here", output), output
    assert set(offsets) == {"+0800"}, output

"""Logs reach someone (#17 item 6): stdout, plain or JSON, a request id on the request's lines and its tasks',
and ADMINS get Django's mail of a server error (the logging configuration keeps Django's mail_admins)."""

from __future__ import annotations

import json
import logging
import re
import sys
import types

import pytest
from django.core import mail

from tests.tracker.test_settings import PRODUCTION, manage
from tracker import request_id


def test_the_request_id_of_the_proxy_is_echoed(client):
    response = client.get("/healthz/live", HTTP_X_REQUEST_ID="nginx-5f1c2e9a")
    assert response["X-Request-ID"] == "nginx-5f1c2e9a"


@pytest.mark.parametrize("sent", [None, "", "two words", "x" * 129, "forged\nERROR line"])
def test_a_missing_or_odd_request_id_is_replaced_by_a_new_one(client, sent):
    headers = {} if sent is None else {"HTTP_X_REQUEST_ID": sent}
    response = client.get("/healthz/live", **headers)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_log_records_carry_the_request_id_and_json_lines_hold_it():
    token = request_id.current.set("req-42")
    try:
        try:
            raise ValueError("kaput")
        except ValueError:
            record = logging.getLogger("proposals.x").makeRecord(
                "proposals.x",
                logging.ERROR,
                __file__,
                1,
                "提案 %s failed",
                ("7",),
                exc_info=sys.exc_info(),
            )
        assert request_id.RequestIdFilter().filter(record) and record.request_id == "req-42"
        line = json.loads(request_id.JsonFormatter().format(record))
    finally:
        request_id.current.reset(token)
    assert line["message"] == "提案 7 failed" and line["request_id"] == "req-42" and line["level"] == "ERROR"
    assert line["logger"] == "proposals.x" and "ValueError: kaput" in line["exception"]
    assert line["time"].endswith("+00:00")
    outside = logging.getLogger("x").makeRecord("x", logging.INFO, __file__, 1, "m", (), None)
    request_id.RequestIdFilter().filter(outside)
    assert outside.request_id == "-"


def test_a_task_queued_in_a_request_carries_its_id_into_the_worker():
    headers: dict = {}
    token = request_id.current.set("req-77")
    try:
        request_id._carry_into_the_task(headers=headers)  # before_task_publish, in the web process
    finally:
        request_id.current.reset(token)
    assert headers == {"request_id": "req-77"}
    # In the worker, the message's headers are the task's request.
    task = types.SimpleNamespace(request=types.SimpleNamespace(request_id="req-77"))
    request_id._task_started(task_id="t1", task=task)
    assert request_id.current.get() == "req-77"
    request_id._task_finished(task_id="t1")
    assert request_id.current.get() is None
    request_id._carry_into_the_task(headers=(outside := {}))
    assert outside == {}  # outside a request (beat's sweeps) nothing is added


def test_admins_get_the_mail_of_a_server_error(settings, rf):
    settings.ADMINS = [("Operators", "ops@tracker.example.org")]
    settings.DEBUG = False
    logging.getLogger("django.request").error(
        "Internal Server Error: /proposals/7/", extra={"status_code": 500, "request": rf.get("/proposals/7/")}
    )
    (message,) = mail.outbox
    assert message.to == ["ops@tracker.example.org"] and "Internal Server Error" in message.subject


def test_json_logs_go_to_stdout_one_object_a_line():
    code = "import logging; logging.getLogger('proposals.demo').warning('你好 %s', 'json')"
    result = manage("shell", "--no-imports", "-c", code, **PRODUCTION, LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    (line,) = [json.loads(text) for text in result.stdout.splitlines() if text.startswith("{")]
    assert line["message"] == "你好 json" and line["logger"] == "proposals.demo" and line["request_id"] == "-"
    plain = manage("shell", "--no-imports", "-c", code, **PRODUCTION)
    assert "WARNING proposals.demo [-]: 你好 json" in plain.stdout and "你好" not in plain.stderr


@pytest.mark.parametrize(("raw", "complaint"), [("LOG_FORMAT", "xml"), ("ADMINS", "nobody")])
def test_a_bad_log_format_or_admins_stops_the_start(raw, complaint):
    result = manage("check", **PRODUCTION, **{raw: complaint})
    assert result.returncode != 0 and raw in result.stderr.strip().splitlines()[-1]


def test_admins_are_read_from_the_environment():
    from tests.tracker.test_settings import production_setting

    admins = production_setting("s.ADMINS", ADMINS="值班 <ops@example.org>, it@example.org")
    assert admins == repr([("值班", "ops@example.org"), ("it@example.org", "it@example.org")])

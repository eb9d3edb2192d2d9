"""A task queued under a request id logs that id in a real worker (#17 item 6): the id travels in the task's
message headers through Redis, and the worker's JSON lines of that task carry it."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from proposals.tasks import ping
from tests.e2e.processes import BIN, production_env
from tracker import request_id

pytestmark = pytest.mark.slow


def test_the_worker_logs_the_request_id_of_the_task(requires_postgresql, requires_redis, processes, tmp_path,
                                                      settings, eager_off):  # fmt: skip
    env = production_env(tmp_path, broker_url=requires_redis)
    env.update(LOG_FORMAT="json", CELERY_RESULT_BACKEND=settings.CELERY_RESULT_BACKEND)
    queue = f"e2e-{uuid.uuid4().hex[:12]}"
    argv = [str(BIN / "celery"), "-A", "tracker", "worker", "--loglevel=INFO", "--concurrency=1", "-Q", queue,
            "-n", f"{queue}@%h"]  # fmt: skip
    with processes.output_on_failure():
        processes.start("worker", argv, env)
        processes.wait_for_output("worker", "ready.")
        token = request_id.current.set("req-e2e-" + queue)
        try:
            result = ping.apply_async(queue=queue)
        finally:
            request_id.current.reset(token)
        assert result.get(timeout=30) == "pong"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            lines = [json.loads(text) for text in processes.output("worker").splitlines() if text.startswith("{")]
            done = [line for line in lines if result.id in line["message"] and "succeeded" in line["message"]]
            if done:
                break
            time.sleep(0.2)
        assert done, "the worker logged no JSON line of the task"
        assert done[0]["request_id"] == "req-e2e-" + queue
        assert all(line["request_id"] == "-" for line in lines if "ready." in line["message"])

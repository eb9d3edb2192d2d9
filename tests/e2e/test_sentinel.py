"""The product behind a real Redis Sentinel (#17 item 10): a redis-server as master, a second one as its replica,
a `redis-server --sentinel` monitoring them under a master name, and a cache Redis of their own. gunicorn, a
Celery worker and beat run with CELERY_BROKER_URL=sentinel://… and CELERY_BROKER_SENTINEL_MASTER, nothing else
telling them where the master is.

The reminder sweep that beat queues reaches the worker, which mails the due reminders to the local SMTP server;
a task's result comes back through the Sentinel's master; /healthz/ready is 200 (broker, beat and a worker's ping
all through the Sentinel). Then SENTINEL FAILOVER promotes the replica, and the reminders of new drafts are still
delivered, the readiness still 200, with no process restarted.
"""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from django.utils import timezone

from proposals.models import Reminder
from tests.e2e.mailserver import MailServer
from tests.e2e.processes import BASE_DIR, BIN, RedisSentinel, RedisServer, production_env, start_gunicorn
from tests.e2e.test_readiness import wait_for_readiness

pytestmark = pytest.mark.slow

MASTER_NAME = "tracker-broker"
BROKER_DB = 3  # any database of the monitored master; the URL's path names it
SWEEP_SECONDS = 5
EVERYTHING = {"database": "ok", "broker": "ok", "beat": "ok", "workers": "ok"}


def due_drafts(world, count: int, label: str) -> set[int]:
    """Drafts of the secretary whose research is due tomorrow; the sweep plans their reminders (due now, with
    REMINDER_SEND_HOUR=0). Returns the proposals' ids."""
    due = timezone.now() + dt.timedelta(days=1)
    return {world.draft(title=f"关于{label}第{n}号青年议题的建议", research_due=due).pk for n in range(count)}


def wait_for_reminders(server: MailServer, proposals: set[int], timeout: float) -> set[int]:
    """Until every reminder the sweep planned for `proposals` was accepted by the SMTP server; their ids."""

    def planned() -> set[int]:
        return set(Reminder.objects.filter(proposal_id__in=proposals).values_list("pk", flat=True))

    assert server.wait_for(lambda: planned() and server.tally(planned()).missing == 0, timeout, interval=0.5), (
        f"reminders of {sorted(proposals)} not delivered within {timeout:.0f} s: {server.tally(planned())}"
    )
    return planned()


def ping_through_the_product(env: dict[str, str]) -> str:
    """proposals.tasks.ping from a process with the product's settings: to the broker, the worker, and back
    through the result backend (the broker's Sentinel, by default)."""
    code = "from proposals.tasks import ping; print(ping.delay().get(timeout=30))"
    result = subprocess.run([str(BIN / "python"), "manage.py", "shell", "-c", code], cwd=BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=90)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_broker_results_and_readiness_through_a_sentinel_and_after_a_failover(
    requires_postgresql, committed_world, processes, tmp_path
):
    master = RedisServer(processes, tmp_path, name="master")
    replica = RedisServer(processes, tmp_path, name="replica", replica_of=master)
    cache = RedisServer(processes, tmp_path, name="cache")
    for server in (master, replica, cache):
        server.start()
    sentinel = RedisSentinel(processes, tmp_path, master, MASTER_NAME)
    sentinel.start()

    with MailServer() as mail, processes.output_on_failure():
        env = production_env(tmp_path, broker_url=sentinel.url(BROKER_DB))
        env.update(
            CELERY_BROKER_SENTINEL_MASTER=MASTER_NAME, CACHE_URL=cache.url,
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(mail.port), EMAIL_TIMEOUT="10", REMINDER_SEND_HOUR="0",
            REMINDER_SWEEP_SECONDS=str(SWEEP_SECONDS), HEALTH_BEAT_INTERVALS="2", HEALTH_WORKER_PING_MS="1000",
        )  # fmt: skip
        assert "CELERY_RESULT_BACKEND" not in env  # the results take the broker's way: the Sentinel
        first = due_drafts(committed_world, 3, "哨兵")
        port = start_gunicorn(processes, env)
        celery = [str(BIN / "celery"), "-A", "tracker"]
        processes.start("worker", [*celery, "worker", "--loglevel=INFO", "--concurrency=1"], env)
        processes.start("beat", [*celery, "beat", "--loglevel=INFO", "--schedule", str(tmp_path / "beat")], env)

        delivered = wait_for_reminders(mail, first, timeout=60)
        assert len(delivered) == 3 and mail.tally(delivered).duplicates == 0
        assert ping_through_the_product(env) == "pong"
        wait_for_readiness(port, EVERYTHING, timeout=30)
        # The queue really is on the master the Sentinel names, in the URL's database; the cache is elsewhere.
        assert sentinel.master_port() == master.port
        assert master.client().info("keyspace").get(f"db{BROKER_DB}"), "nothing of Celery's on the master"
        assert list(master.client().info("keyspace")) == [f"db{BROKER_DB}"]

        promoted, demoted = sentinel.fail_over(to=replica)
        print(f"failover: the replica named master after {promoted:.1f} s, the old master a replica after "
              f"{demoted:.1f} s")  # fmt: skip
        # The old master closed its clients' connections when it became a replica; the worker finds the new one
        # through the Sentinel (on its own: nothing is restarted).
        processes.wait_for_output("worker", "Connected to sentinel://", timeout=20)
        reconnected = lambda: processes.output("worker").count("Connected to sentinel://") >= 2  # noqa: E731
        assert mail.wait_for(reconnected, timeout=20), "the worker did not connect again after the failover"

        second = due_drafts(committed_world, 2, "切换后")
        delivered_after = wait_for_reminders(mail, second, timeout=90)
        assert len(delivered_after) == 2
        assert mail.tally(delivered | delivered_after).duplicates == 0
        assert ping_through_the_product(env) == "pong"
        wait_for_readiness(port, EVERYTHING, timeout=30)
        assert replica.client().info("keyspace").get(f"db{BROKER_DB}")
        for name in ("gunicorn", "worker", "beat"):
            assert processes.alive(name), f"{name} stopped"

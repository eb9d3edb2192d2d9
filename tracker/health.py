"""/healthz: is the database reachable, is the broker reachable. JSON; 503 when either is not.

/healthz/live: the process answers (no dependency), for a liveness probe that restarts a hung web process.
/healthz/ready: the database, the broker, beat (an outbox sweep within HEALTH_BEAT_INTERVALS ×
REMINDER_SWEEP_SECONDS, recorded by the sweep task) and the workers (a worker answers a ping within
HEALTH_WORKER_PING_SECONDS), for a readiness probe and monitoring.

Anyone may ask, so the answer names only the part that is down; why it is down (hosts, ports, roles, the
error) goes to the log for the operators.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from tracker.celery import app

logger = logging.getLogger(__name__)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _broker() -> None:
    with app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, timeout=2)


CHECKS = {"database": _database, "broker": _broker}


def _state(name: str) -> str:
    try:
        CHECKS[name]()
    except Exception:
        logger.exception("Health check: the %s is down.", name)
        return "down"
    return "ok"


def _answer(checks: dict[str, str]) -> JsonResponse:
    healthy = all(state == "ok" for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503
    )


@never_cache
@require_safe
def healthz(request):
    return _answer({name: _state(name) for name in CHECKS})


# --- Liveness and readiness (#17 item 7) ---------------------------------------------------------------------

SWEEP_HEARTBEAT = "heartbeat:sweep"  # an OutboxLock row whose held_until is the start of the last sweep


def record_sweep(now: dt.datetime | None = None) -> None:
    """The sweep task's mark: beat queued it and a worker ran it, at this moment."""
    from proposals.models import OutboxLock

    OutboxLock.objects.update_or_create(name=SWEEP_HEARTBEAT, defaults={"held_until": now or timezone.now()})


def last_sweep() -> dt.datetime | None:
    from proposals.models import OutboxLock

    return OutboxLock.objects.filter(name=SWEEP_HEARTBEAT).values_list("held_until", flat=True).first()


def beat_deadline() -> dt.timedelta:
    return dt.timedelta(seconds=settings.HEALTH_BEAT_INTERVALS * settings.REMINDER_SWEEP_SECONDS)


class Stale(Exception):
    pass


def _beat() -> None:
    swept = last_sweep()
    if swept is None or timezone.now() - swept > beat_deadline():
        raise Stale(f"no outbox sweep since {swept or 'ever'} (more than {beat_deadline()} ago)")


def workers_seen() -> list[str]:
    """The names of the workers that answer a ping within HEALTH_WORKER_PING_SECONDS."""
    replies = app.control.ping(timeout=settings.HEALTH_WORKER_PING_SECONDS)
    return sorted(name for reply in replies for name in reply)


def _workers() -> None:
    if not workers_seen():
        raise Stale(f"no worker answered a ping within {settings.HEALTH_WORKER_PING_SECONDS} s")


READY_CHECKS = {"database": _database, "broker": _broker, "beat": _beat, "workers": _workers}


def _ready_state(name: str, checks: dict[str, str]) -> str:
    # Without the database the sweep's mark cannot be read; without the broker no worker can be asked.
    needs = {"beat": "database", "workers": "broker"}.get(name)
    if needs and checks.get(needs) != "ok":
        return "unknown"
    try:
        READY_CHECKS[name]()
    except Exception:
        logger.exception("Readiness check: the %s is down.", name)
        return "down"
    return "ok"


@never_cache
@require_safe
def live(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request):
    checks: dict[str, str] = {}
    for name in READY_CHECKS:
        checks[name] = _ready_state(name, checks)
    return _answer(checks)

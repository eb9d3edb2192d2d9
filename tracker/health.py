"""/healthz: is the database reachable, is the broker reachable. JSON; 503 when either is not.

Anyone may ask, so the answer names only the part that is down; why it is down (hosts, ports, roles, the
error) goes to the log for the operators.
"""

import logging

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

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


@never_cache
@require_GET
def healthz(request):
    checks = {name: _state(name) for name in CHECKS}
    healthy = all(state == "ok" for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503
    )

"""Prometheus metrics (django-prometheus) on /metrics, only when PROMETHEUS_METRICS=true (#17 item 7).

The page names the service's URL patterns, its error rates and its processes' figures: it is for the monitoring
host only. It answers the client addresses in PROMETHEUS_ALLOWED_NETWORKS (the address as NUM_PROXIES reads it,
the one the throttles and the sign-in lockout count) and refuses every other with 403; the nginx sites of
deploy/ refuse /metrics to everyone too, Prometheus scraping gunicorn on its own address.

Each gunicorn worker counts on its own. With more than one, set PROMETHEUS_MULTIPROC_DIR to an empty folder
the workers can write (prometheus_client's multiprocess mode; gunicorn.conf.py then tells it of every worker
that exits), so that every scrape sums all of them.
"""

from __future__ import annotations

import ipaddress
from functools import cache

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.http import require_GET
from django_prometheus.exports import ExportToDjangoView

from tracker.signin import client_address


@cache
def _allowed(networks: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(network, strict=False) for network in networks)


def allowed(address: str | None) -> bool:
    try:
        client = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    if client.version == 6 and client.ipv4_mapped:  # ::ffff:127.0.0.1 from a dual-stack socket
        client = client.ipv4_mapped
    return any(client in network for network in _allowed(tuple(settings.PROMETHEUS_ALLOWED_NETWORKS)))


@require_GET
def metrics(request):
    if not allowed(client_address(request)):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain; charset=utf-8")
    return ExportToDjangoView(request)

"""Prometheus metrics (PROMETHEUS_METRICS, django-prometheus; tracker/metrics.py): off by default (no middleware,
no app, /metrics is 404); on, /metrics answers the allowed networks only, the client address read as NUM_PROXIES
says. Each case runs the app in a subprocess (its settings read from the environment), requests going through
the whole middleware stack with Django's test client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.tracker.test_settings import PRODUCTION
from tests.tracker.test_settings import manage as production_manage
from tracker import env

SCRIPT = r"""
import json
from django.conf import settings
from django.test import Client

client = Client()
client.get("/healthz/live")
metrics = client.get("/metrics")
print(json.dumps({
    "middleware": [name for name in settings.MIDDLEWARE if "prometheus" in name],
    "last_middleware": settings.MIDDLEWARE[-1],
    "apps": [name for name in settings.INSTALLED_APPS if "prometheus" in name],
    "engine": settings.DATABASES["default"]["ENGINE"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "local": metrics.status_code,
    "body": metrics.content.decode() if metrics.status_code == 200 else "",
    "ipv6": client.get("/metrics", REMOTE_ADDR="::1").status_code,
    "outside": client.get("/metrics", REMOTE_ADDR="198.51.100.7").status_code,
    "forwarded": client.get("/metrics", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code,
    "forwarded_local": client.get("/metrics", HTTP_X_FORWARDED_FOR="10.8.0.5").status_code,
    "post": client.post("/metrics").status_code,
}))
"""


def run(tmp_path: Path, **environ: str) -> dict:
    site = {"DEBUG": "false", **environ, "TRACKER_VAR_DIR": str(tmp_path / "var"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "ALLOWED_HOSTS": "testserver"}  # fmt: skip
    result = production_manage("shell", "--no-imports", "-c", SCRIPT, **site)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_off_by_default_there_is_no_metrics_page_and_no_middleware(tmp_path):
    seen = run(tmp_path)
    assert seen["middleware"] == [] and seen["apps"] == []
    assert seen["local"] == seen["ipv6"] == seen["outside"] == 404


def test_on_the_metrics_answer_this_host_only(tmp_path):
    seen = run(tmp_path, PROMETHEUS_METRICS="true")
    assert seen["middleware"] == ["django_prometheus.middleware.PrometheusBeforeMiddleware",
                                  "django_prometheus.middleware.PrometheusAfterMiddleware"]  # fmt: skip
    assert seen["last_middleware"] == "axes.middleware.AxesMiddleware"
    assert seen["apps"] == ["django_prometheus"]
    # The database and the cache keep their own engines: no django-prometheus wrappers.
    assert seen["engine"] == "django.db.backends.sqlite3"
    assert seen["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert seen["local"] == 200 and seen["ipv6"] == 200
    assert (
        'django_http_responses_total_by_status_view_method_total{method="GET",status="200",view="healthz-live"}'
        in (seen["body"])
    )
    assert seen["outside"] == 403
    # Without a proxy to trust (NUM_PROXIES=0) X-Forwarded-For is nobody's word: the peer (127.0.0.1) counts.
    assert seen["forwarded"] == 200
    assert seen["post"] == 405


def test_behind_the_proxy_the_forwarded_client_counts(tmp_path):
    seen = run(tmp_path, PROMETHEUS_METRICS="true", NUM_PROXIES="1",
               PROMETHEUS_ALLOWED_NETWORKS="10.8.0.0/16, 127.0.0.1/32")  # fmt: skip
    assert seen["forwarded"] == 403  # an outside client, through nginx on this host
    assert seen["forwarded_local"] == 200  # the monitoring network
    assert seen["outside"] == 403


def test_in_production_the_scrape_over_plain_http_is_not_redirected(tmp_path):
    """gunicorn is scraped on its own address, without the proxy's X-Forwarded-Proto: like the health probes,
    /metrics is exempt from the redirect to HTTPS that every other page gets."""
    seen = run(tmp_path, **PRODUCTION, PROMETHEUS_METRICS="true")
    assert seen["local"] == 200 and seen["outside"] == 403
    assert run(tmp_path, **PRODUCTION)["local"] == 301  # off: /metrics is a page like any other, redirected


@pytest.mark.parametrize(
    ("environ", "complaint"),
    [
        ({"PROMETHEUS_METRICS": "sometimes"}, "PROMETHEUS_METRICS='sometimes' is not a boolean"),
        ({"PROMETHEUS_ALLOWED_NETWORKS": "10.8.0.0/33"}, "PROMETHEUS_ALLOWED_NETWORKS entry '10.8.0.0/33'"),
        ({"PROMETHEUS_ALLOWED_NETWORKS": "monitoring.lan"}, "PROMETHEUS_ALLOWED_NETWORKS entry 'monitoring.lan'"),
        ({"PROMETHEUS_ALLOWED_NETWORKS": " , "}, "PROMETHEUS_ALLOWED_NETWORKS is empty"),
    ],
)
def test_a_bad_metrics_setting_stops_the_start(environ, complaint):
    result = production_manage("check", **PRODUCTION, **environ)
    last = result.stderr.strip().splitlines()[-1]
    assert result.returncode != 0
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: ") and complaint in last, result.stderr


def test_networks_read_single_addresses_and_both_families(monkeypatch):
    monkeypatch.setenv("PROMETHEUS_ALLOWED_NETWORKS", "10.8.0.5,fd00::/8")
    assert env.env_networks("PROMETHEUS_ALLOWED_NETWORKS", []) == ["10.8.0.5", "fd00::/8"]


def test_an_ipv4_mapped_peer_is_the_ipv4_address(settings):
    from tracker.metrics import allowed

    settings.PROMETHEUS_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    assert allowed("::ffff:127.0.0.1") and allowed("127.0.0.1")
    assert not allowed("::ffff:198.51.100.7") and not allowed("") and not allowed("nonsense")

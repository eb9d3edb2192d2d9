"""The cache lives in its own Redis database: clearing it (FLUSHDB) leaves the broker's task queue alone."""

from __future__ import annotations

import uuid

import redis
from django.conf import settings
from django.core.cache import cache

from proposals.tasks import ping


def test_clearing_the_cache_keeps_the_queued_tasks(requires_redis, eager_off):
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    queue = f"cache-clear-{uuid.uuid4().hex[:12]}"  # no worker listens to it: the task stays queued
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2)
    try:
        ping.apply_async(queue=queue)
        assert broker.llen(queue) == 1
        cache.set("something-cached", 1)
        cache.clear()
        assert cache.get("something-cached") is None
        assert broker.llen(queue) == 1, "clearing the cache wiped the task queue"
    finally:
        broker.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")

"""The API's throttles: DRF's, counting in the shared cache, and in this process while that cache is down.

The shared cache is Redis in production. When Redis cannot be reached the API must keep answering, and the
login throttle must keep holding password guessers back, so the counts fall back to this process's memory
rather than failing open: a guesser then gets at most the rate once per web worker, instead of no limit.
The counts go back to the shared cache by themselves, at most RETRY_SHARED_SECONDS after it answers again.
"""

from __future__ import annotations

import logging
import time

from django.core.cache import cache as shared_cache
from django.core.cache.backends.locmem import LocMemCache
from redis.exceptions import RedisError
from rest_framework import throttling

logger = logging.getLogger(__name__)

# redis-py wraps socket failures (refused, reset, timed out) in RedisError; OSError too, should one escape it.
CACHE_ERRORS = (RedisError, OSError)
WARN_EVERY_SECONDS = 60  # while the cache is down, one log line per process this often, not one per request
# After a failure the shared cache is left alone this long: a Redis that hangs instead of refusing costs a
# request its socket timeouts, and without this pause every request would pay them.
RETRY_SHARED_SECONDS = 5


class SharedOrLocalCache:
    """The get/set DRF's throttles use, on the shared cache, or on a per-process one when it fails."""

    def __init__(self) -> None:
        # Bounded, so that a flood of client addresses during an outage cannot grow a worker without end.
        self.local = LocMemCache("api-throttle-fallback", {"OPTIONS": {"MAX_ENTRIES": 10_000}})
        self.shared_again_at = 0.0
        self.last_warning = -WARN_EVERY_SECONDS

    def get(self, key, default=None):
        if time.monotonic() >= self.shared_again_at:
            try:
                return shared_cache.get(key, default)
            except CACHE_ERRORS as error:
                self.failed(error)
        return self.local.get(key, default)

    def set(self, key, value, timeout):
        if time.monotonic() >= self.shared_again_at:
            try:
                return shared_cache.set(key, value, timeout)
            except CACHE_ERRORS as error:
                self.failed(error)
        return self.local.set(key, value, timeout)

    def failed(self, error: Exception) -> None:
        now = time.monotonic()
        self.shared_again_at = now + RETRY_SHARED_SECONDS
        if now - self.last_warning >= WARN_EVERY_SECONDS:
            self.last_warning = now
            logger.warning("The cache cannot be reached (%s); API throttles count in this process.", error)


counts = SharedOrLocalCache()


class AnonRateThrottle(throttling.AnonRateThrottle):
    cache = counts


class UserRateThrottle(throttling.UserRateThrottle):
    cache = counts


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    cache = counts

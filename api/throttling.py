"""The API's throttles: DRF's rates and idents, counted in the shared cache by a sliding window of two counters,
and in this process while that cache is down.

DRF's own throttles keep every request's time of the last period in one cached list, read and written whole on
each request: at 1,200 a minute that is up to 1,200 floats pickled twice a request, and under a load test with
the rate raised, tens of thousands (#18: authentication and throttling cost four times a trivial view). Here
each caller has a counter per period; the estimate is the current period's count plus the previous one's,
weighted by how much of it still lies within the last period (the "sliding window counter" Redis' own docs
describe). It is checked and counted in one atomic step on Redis (a Lua script); a refused request is not
counted, as in DRF.

The shared cache is Redis in production. When Redis cannot be reached the API must keep answering, and the
login throttle must keep holding password guessers back, so the counts fall back to this process's memory
rather than failing open: a guesser then gets at most the rate once per web worker, instead of no limit.
The counts go back to the shared cache by themselves, at most RETRY_SHARED_SECONDS after it answers again.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError
from rest_framework import throttling

logger = logging.getLogger(__name__)

# redis-py wraps socket failures (refused, reset, timed out) in RedisError; OSError too, should one escape it.
CACHE_ERRORS = (RedisError, OSError)
WARN_EVERY_SECONDS = 60  # while the cache is down, one log line per process this often, not one per request
# After a failure the shared cache is left alone this long: a Redis that hangs instead of refusing costs a
# request its socket timeouts, and without this pause every request would pay them.
RETRY_SHARED_SECONDS = 5

# KEYS: this period's counter, the previous one's. ARGV: the previous period's weight, the limit, the counters'
# lifetime in seconds. Returns {allowed (1 or 0), this period's count, the previous period's count}.
TAKE_SCRIPT = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
if previous * tonumber(ARGV[1]) + current >= tonumber(ARGV[2]) then
    return {0, current, previous}
end
current = redis.call('INCR', KEYS[1])
if current == 1 then
    redis.call('EXPIRE', KEYS[1], ARGV[3])
end
return {1, current, previous}
"""


@dataclass(frozen=True)
class Window:
    """Where `now` lies in the periods of a rate: which period, and how much of it has passed (0..1)."""

    number: int
    elapsed: float

    @classmethod
    def at(cls, now: float, duration: int) -> Window:
        return cls(int(now // duration), (now % duration) / duration)

    def keys(self, key: str) -> tuple[str, str]:
        return f"{key}:{self.number}", f"{key}:{self.number - 1}"

    def wait(self, current: int, previous: int, limit: int, duration: int) -> float:
        """Seconds until the estimate falls below the limit again."""
        if current < limit:  # within this period, once enough of the previous one has slid out
            share = 1 - (limit - current) / previous if previous else 0.0
            return max(0.0, share - self.elapsed) * duration
        # After this period ends, when enough of it has slid out in turn.
        return (1 - self.elapsed) * duration + (max(0.0, 1 - limit / current) * duration if current else 0.0)


class SharedOrLocalCache:
    """The counters of the throttles, on the shared cache, or on a per-process one when it fails."""

    def __init__(self) -> None:
        # Bounded, so that a flood of client addresses during an outage cannot grow a worker without end.
        self.local = LocMemCache("api-throttle-fallback", {"OPTIONS": {"MAX_ENTRIES": 10_000}})
        self.local_lock = threading.Lock()
        self.shared_again_at = 0.0
        self.last_warning = -WARN_EVERY_SECONDS
        self.script = None

    def take(self, key: str, window: Window, limit: int, duration: int) -> tuple[bool, int, int]:
        """Count one request of `key` if the estimate allows it: (allowed, this period's count, the previous
        period's)."""
        if time.monotonic() >= self.shared_again_at:
            shared = caches["default"]  # the backend itself (django.core.cache.cache is a proxy to it)
            try:
                if isinstance(shared, RedisCache):
                    return self._take_on_redis(shared, key, window, limit, duration)
                return self._take_in(shared, key, window, limit, duration)
            except CACHE_ERRORS as error:
                self.failed(error)
        return self._take_in(self.local, key, window, limit, duration)

    def _take_on_redis(self, shared: RedisCache, key: str, window: Window, limit: int, duration: int):
        current_key, previous_key = (shared.make_and_validate_key(k) for k in window.keys(key))
        # Django's cache API has no atomic check-and-count; its client's connection pool has the script.
        client = shared._cache.get_client(current_key, write=True)
        if self.script is None:
            self.script = client.register_script(TAKE_SCRIPT)
        allowed, current, previous = self.script(
            keys=[current_key, previous_key], args=[1 - window.elapsed, limit, 2 * duration], client=client
        )
        return bool(allowed), int(current), int(previous)

    def _take_in(self, cache, key: str, window: Window, limit: int, duration: int) -> tuple[bool, int, int]:
        # One process's memory: a lock makes the check and the count one step, as the script does on Redis.
        current_key, previous_key = window.keys(key)
        with self.local_lock:
            current, previous = cache.get(current_key, 0), cache.get(previous_key, 0)
            if previous * (1 - window.elapsed) + current >= limit:
                return False, current, previous
            cache.set(current_key, current + 1, 2 * duration)
            return True, current + 1, previous

    def failed(self, error: Exception) -> None:
        now = time.monotonic()
        self.shared_again_at = now + RETRY_SHARED_SECONDS
        if now - self.last_warning >= WARN_EVERY_SECONDS:
            self.last_warning = now
            logger.warning("The cache cannot be reached (%s); API throttles count in this process.", error)


counts = SharedOrLocalCache()


class WindowCounting(throttling.SimpleRateThrottle):
    """SimpleRateThrottle's allow_request and wait, on the two counters of `counts`; DRF's throttles come first
    in each class below, so that the scoped one sets its rate from the view before this counts."""

    cache = counts

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.window = Window.at(self.timer(), self.duration)
        self.allowed, self.current, self.previous = self.cache.take(
            self.key, self.window, self.num_requests, self.duration
        )
        return self.allowed

    def wait(self) -> float | None:
        return self.window.wait(self.current, self.previous, self.num_requests, self.duration)


class AnonRateThrottle(throttling.AnonRateThrottle, WindowCounting):
    pass


class UserRateThrottle(throttling.UserRateThrottle, WindowCounting):
    pass


class ScopedRateThrottle(throttling.ScopedRateThrottle, WindowCounting):
    pass

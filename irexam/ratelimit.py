"""Fixed-window rate limits for the hot paths that must stay cheap.

A limit is a setting such as ``"600/min"`` (units ``s``, ``min``, ``h``; ``""`` turns it off).
Two kinds of counters, never a database query:

* ``check`` / ``hit`` count in the Django cache: one pipelined INCR + EXPIRE on Redis
  (``REDIS_URL``: one round trip, see ``_count``), or an ``add`` and an ``incr`` in-process
  (locmem). The cache must be shared by every web node (``REDIS_URL``) for such a limit to hold
  across nodes. Used where the limit is a security boundary (public verification per address,
  password resets).
* ``check_local`` counts in the memory of this process: no round trip at all, so it costs the
  answer save nothing measurable. The limit then holds **per web process**: a client whose
  requests are spread over W worker processes gets at most W × the limit through before every
  process refuses it. That is what the answer save's limit is for — to stop a runaway exam page or
  script from flooding the database with one attempt's saves (its token names one attempt), not to
  meter a client exactly; abuse from many addresses is the reverse proxy's to stop.
"""

from __future__ import annotations

import threading
import time
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.utils.translation import gettext_lazy as _

from .errors import ApplicationError

UNITS = {"s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "hour": 3600}


class RateLimited(ApplicationError):
    """429 Too Many Requests; the API handler adds ``Retry-After``."""

    status_code = 429

    def __init__(self, message, *, retry_after: int):
        super().__init__(message, {"retry_after": retry_after}, code="rate_limited")
        self.retry_after = retry_after


@lru_cache(maxsize=32)
def parse_rate(rate: str, setting: str = "rate") -> tuple[int, int] | None:
    """``"60/min"`` → (60, 60); ``""`` → None (no limit). Raises ValueError naming the setting."""
    if not rate or not rate.strip():
        return None
    try:
        count_text, unit = rate.split("/", 1)
        count, seconds = int(count_text), UNITS[unit.strip()]
    except (ValueError, KeyError, AttributeError):
        raise ValueError(f"{setting} must look like '60/min' (got {rate!r})") from None
    if count <= 0:
        raise ValueError(f"{setting} needs a positive count")
    return count, seconds


def hit(key: str, setting: str) -> tuple[bool, int]:
    """Count one request under ``key`` against the rate in ``settings.<setting>``.

    Returns (allowed, seconds until the window resets).
    """
    allowed, retry_after, _value = hit_and_get(key, setting, None)
    return allowed, retry_after


def hit_and_get(key: str, setting: str, cache_key: str | None) -> tuple[bool, int, Any]:
    """As ``hit``, and also read ``cache_key`` from the cache (None when absent or no key).

    On Redis the count and the read share one pipelined round trip — public verification counts
    its caller and reads its cached record this way.
    """
    rate = parse_rate(getattr(settings, setting, ""), setting)
    if rate is None:
        return True, 0, (caches["default"].get(cache_key) if cache_key is not None else None)
    limit, window = rate
    now = int(time.time())
    count, value = _count(f"ratelimit:{key}:{now // window}", window + 5, cache_key)
    return count <= limit, max(1, window - now % window), value


def _count(key: str, timeout: int, read_key: str | None = None) -> tuple[int, Any]:
    """Add one to the counter ``key`` (created with ``timeout``); the new count and the cache's
    value under ``read_key`` (None when absent or not asked for).

    On Redis one pipelined INCR + EXPIRE (+ GET): one round trip (Django's ``add`` + ``incr``
    would take three); on any other cache ``add`` then ``incr`` (then ``get``).
    """
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        full_key = backend.make_and_validate_key(key)
        pipeline = _redis_client(backend).pipeline(transaction=False)
        pipeline.incr(full_key)
        pipeline.expire(full_key, timeout)
        if read_key is not None:
            pipeline.get(backend.make_and_validate_key(read_key))
        count, _expiry_set, *read = pipeline.execute()
        # decoded as Django's RedisCacheClient.get does
        raw = read[0] if read else None
        return int(count), (None if raw is None else backend._cache._serializer.loads(raw))
    if backend.add(key, 1, timeout):
        count = 1
    else:
        try:
            count = backend.incr(key)
        except ValueError:  # expired between add and incr
            backend.set(key, 1, timeout)
            count = 1
    return count, (backend.get(read_key) if read_key is not None else None)


def _redis_client(backend: RedisCache):
    """The backend's redis-py client for writes, built once and kept on Django's client wrapper.

    Django's ``get_client`` builds a new ``redis.Redis`` on every call (≈ 0.1 ms of CPU each: its
    response-callback table), which showed as an eighth of the answer save's samples. A client is
    thread-safe and takes its connections from the pool; writes always use the first server's pool.
    Kept on the wrapper (not in a module dict), it lives and dies with the backend instance
    (Django makes one per thread) and its pool.
    """
    wrapper = backend._cache  # Django's RedisCacheClient
    client = getattr(wrapper, "_irexam_write_client", None)
    if client is None:
        pool = wrapper._get_connection_pool(wrapper._get_connection_pool_index(write=True))
        client = wrapper._client(connection_pool=pool)
        wrapper._irexam_write_client = client
    return client


def check(key: str, setting: str, message=None) -> None:
    """Raise ``RateLimited`` when this request goes over the limit.

    ``message`` may name the wait as ``%(s)s`` (seconds).
    """
    allowed, retry_after = hit(key, setting)
    if not allowed:
        raise _refusal(retry_after, message)


def _refusal(retry_after: int, message=None) -> RateLimited:
    text = message or _("Too many requests. Please wait %(s)s seconds and try again.")
    return RateLimited(text % {"s": retry_after}, retry_after=retry_after)


class LocalWindows:
    """Fixed-window counters in this process's memory, one window (and dict) per setting.

    When a setting's window moves on, its counts start again from an empty dict, so memory is
    bounded by the keys seen in one window. A lock keeps counts exact under threaded servers.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, dict[str, int]]] = {}

    def count(self, setting: str, key: str, window_no: int) -> int:
        """Add one to ``key`` in window ``window_no`` of ``setting``; return the new count."""
        with self._lock:
            current = self._windows.get(setting)
            if current is None or current[0] != window_no:
                current = (window_no, {})
                self._windows[setting] = current
            counts = current[1]
            counts[key] = value = counts.get(key, 0) + 1
            return value

    def clear(self) -> None:
        with self._lock:
            self._windows.clear()


local_windows = LocalWindows()


def check_local(key: str, setting: str, message=None) -> None:
    """As ``check``, counting in this process only (see the module docstring): no round trip."""
    rate = parse_rate(getattr(settings, setting, ""), setting)
    if rate is None:
        return
    limit, window = rate
    now = int(time.time())
    if local_windows.count(setting, key, now // window) > limit:
        raise _refusal(max(1, window - now % window), message)

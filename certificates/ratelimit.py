"""Per-IP rate limit for public verification (against enumeration of codes and serials).

A fixed-window counter in the Django cache: ``CERTIFICATE_VERIFY_RATE`` (e.g. ``"60/min"``;
units ``s``, ``min``, ``h``). The cache must be shared by every web node (``REDIS_URL``) for the
limit to hold across nodes.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

UNITS = {"s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "hour": 3600}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"60/min"`` → (60, 60). Raises ValueError naming the bad setting."""
    try:
        count_text, unit = rate.split("/", 1)
        count, seconds = int(count_text), UNITS[unit.strip()]
    except (ValueError, KeyError, AttributeError):
        raise ValueError(f"CERTIFICATE_VERIFY_RATE must look like '60/min' (got {rate!r})") from None
    if count <= 0:
        raise ValueError("CERTIFICATE_VERIFY_RATE needs a positive count")
    return count, seconds


def verify_rate() -> tuple[int, int]:
    return parse_rate(getattr(settings, "CERTIFICATE_VERIFY_RATE", "60/min"))


def allow(request: HttpRequest, scope: str = "verify") -> tuple[bool, int]:
    """Count this request; (allowed, seconds until the window resets)."""
    limit, window = verify_rate()
    now = int(time.time())
    bucket = now // window
    ip = request.META.get("REMOTE_ADDR") or "unknown"
    key = f"certificates:rate:{scope}:{ip}:{bucket}"
    cache.add(key, 0, window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window + 5)
        count = 1
    return count <= limit, window - now % window

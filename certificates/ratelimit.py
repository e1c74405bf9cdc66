"""Per-IP rate limit for public verification (against enumeration of codes and serials).

``CERTIFICATE_VERIFY_RATE`` (e.g. ``"60/min"``; ``""`` turns it off), counted in the Django
cache by ``irexam.ratelimit`` like every other rate limit of the platform.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from irexam import ratelimit

SETTING = "CERTIFICATE_VERIFY_RATE"


def parse_rate(rate: str) -> tuple[int, int] | None:
    """``"60/min"`` → (60, 60). Raises ValueError naming the bad setting."""
    return ratelimit.parse_rate(rate, SETTING)


def allow(request: HttpRequest, scope: str = "verify") -> tuple[bool, int]:
    """Count this request; (allowed, seconds until the window resets)."""
    allowed, retry_after, _value = allow_and_get(request, None, scope)
    return allowed, retry_after


def allow_and_get(request: HttpRequest, cache_key: str | None, scope: str = "verify") -> tuple[bool, int, Any]:
    """As ``allow``, also reading ``cache_key`` from the cache in the same round trip."""
    ip = request.META.get("REMOTE_ADDR") or "unknown"
    return ratelimit.hit_and_get(f"certificates:{scope}:{ip}", SETTING, cache_key)

"""irexam.ratelimit on Redis: one pipelined round trip, with the redis-py client built once per backend."""

import socket

import pytest
from django.core.cache import caches

from irexam import ratelimit

REDIS_URL = "redis://127.0.0.1:6379/10"  # the bench's Redis database (FASTPATH/BENCH)


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")


def test_counts_on_redis_reuse_one_client(settings, monkeypatch):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    settings.ATTEMPT_SAVE_RATE = "2/min"
    backend = caches["default"]
    built = []
    real_client = backend._cache._client
    monkeypatch.setattr(backend._cache, "_client", lambda **kw: built.append(kw) or real_client(**kw))
    key = f"fastpath-test:{id(backend)}"
    try:
        assert ratelimit.hit(key, "ATTEMPT_SAVE_RATE")[0] is True
        assert ratelimit.hit(key, "ATTEMPT_SAVE_RATE")[0] is True
        allowed, retry_after = ratelimit.hit(key, "ATTEMPT_SAVE_RATE")
        assert allowed is False and 1 <= retry_after <= 60
        assert len(built) == 1  # Django's get_client would have built one per call
    finally:
        backend.clear()

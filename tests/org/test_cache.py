from __future__ import annotations

import time

import pytest

from salesops import cache as cache_module
from salesops.cache import ResilientRedisCache


@pytest.fixture
def dead_cache(monkeypatch) -> ResilientRedisCache:
    monkeypatch.setattr(cache_module, "_paused_until", 0.0)
    return ResilientRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})


def test_a_cache_without_redis_answers_misses_instead_of_raising(dead_cache) -> None:
    assert dead_cache.get("k", "fallback") == "fallback"
    assert dead_cache.set("k", "v") is None
    assert dead_cache.get_many(["a", "b"]) == {}
    assert dead_cache.add("k", "v") is False


def test_after_a_failure_the_cache_is_skipped_without_asking_redis(dead_cache, monkeypatch) -> None:
    dead_cache.get("k")
    assert cache_module._paused_until > time.monotonic()
    asked = []
    monkeypatch.setattr(type(dead_cache._cache), "get", lambda *a, **k: asked.append(a))
    assert dead_cache.get("k", 1) == 1
    assert asked == []

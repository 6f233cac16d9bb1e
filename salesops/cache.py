"""A Redis cache that degrades to a miss when Redis is down, so pages keep working without it."""

from __future__ import annotations

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("salesops.cache")
_FAILURES = (RedisConnectionError, RedisTimeoutError, OSError)


# After a failure the cache is skipped for this many seconds instead of waiting on Redis every call.
PAUSE_AFTER_FAILURE = 10.0
_paused_until = 0.0


def _tolerant(default=None):
    def wrap(method):
        @functools.wraps(method)
        def inner(self, *args, **kwargs):
            global _paused_until
            fallback = default(*args, **kwargs) if callable(default) else default
            if time.monotonic() < _paused_until:
                return fallback
            try:
                return method(self, *args, **kwargs)
            except _FAILURES as error:
                _paused_until = time.monotonic() + PAUSE_AFTER_FAILURE
                logger.warning("cache %s failed (Redis down?): %s", method.__name__, error)
                return fallback

        return inner

    return wrap


class ResilientRedisCache(RedisCache):
    get = _tolerant(lambda key, default=None, *a, **k: default)(RedisCache.get)
    set = _tolerant()(RedisCache.set)
    add = _tolerant(False)(RedisCache.add)
    delete = _tolerant(False)(RedisCache.delete)
    touch = _tolerant(False)(RedisCache.touch)
    get_many = _tolerant(lambda *a, **k: {})(RedisCache.get_many)
    set_many = _tolerant(lambda *a, **k: [])(RedisCache.set_many)
    delete_many = _tolerant()(RedisCache.delete_many)
    has_key = _tolerant(False)(RedisCache.has_key)
    incr = _tolerant(0)(RedisCache.incr)
    clear = _tolerant(False)(RedisCache.clear)

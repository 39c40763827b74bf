"""Redis is the cache and the Celery broker in production and in the tests."""

import uuid

from django.core.cache import cache

from hedong_union.celery import app


def test_the_cache_is_a_real_redis():
    key = f"test-{uuid.uuid4()}"
    cache.set(key, {"street": "大王庄"}, timeout=30)
    assert cache.get(key) == {"street": "大王庄"}
    client = cache._cache.get_client(key)
    assert client.ping() is True


def test_celery_reaches_its_redis_broker():
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1)
        assert connection.transport_cls == "redis"

"""Issue 23: the real-name port's HTTP adapter against the local stand-in, over real HTTP, and the
positive answers remembered in a real Redis."""

from __future__ import annotations

import pytest
import requests

from services.registration.access import realname
from services.registration.access.realname_http import CACHE_KEY, HttpAuthority, RedisConfirmed
from standins.realname import LocalAuthority

REAL, MADE_UP = "210102198808085152", "210102195001075152"


def person(name="王芳", number=REAL, id_type="resident_id", nationality=""):
    return realname.Person(name, id_type, number, nationality)


@pytest.fixture
def authority():
    ra = LocalAuthority().start()
    yield ra
    ra.stop()


def test_the_stand_in_knows_its_people_and_refuses_a_made_up_number(authority):
    http = HttpAuthority(authority.url)
    assert http.verify(person()) == "match"
    assert http.verify(person(number=MADE_UP)) == "not_found"  # same first 4 and last 4
    assert http.verify(person(name="黄牛")) == "mismatch"
    assert http.verify(person("林志明", "12345678", "taiwan_permit")) == "match"
    assert http.verify(person("林志明", "12345678", "passport", "NZL")) == "match"
    assert http.verify(person("林志明", "12345678", "passport", "USA")) == "not_found"
    # the tests' generated population: Beijing numbers born in the 1960s, under any name
    from tests.fair_support import resident_id

    assert http.verify(person("随便", resident_id(7))) == "match"
    good = resident_id(7)
    assert http.verify(person("随便", good[:-1] + ("0" if good[-1] != "0" else "1"))) == "not_found"


def test_the_stand_ins_page_lists_what_it_was_asked_masked(authority):
    HttpAuthority(authority.url).verify(person(number=MADE_UP))
    page = requests.get(authority.url.rsplit("/api/", 1)[0] + "/", timeout=5).text
    assert "2101**********5152" in page and "王*" in page and "not_found" in page
    assert MADE_UP not in page and REAL not in page
    assert [a["result"] for a in authority.asked] == ["not_found"]


def test_a_provider_that_fails_or_answers_nonsense_is_unavailable(authority):
    http = HttpAuthority(authority.url, timeout_s=2)
    requests.post(authority.url.replace("/verify", "/faults"), json={"count": 1}, timeout=5)
    with pytest.raises(realname.RealNameUnavailable, match="status 503"):
        http.verify(person())
    assert http.verify(person()) == "match"  # the fault is over
    keyed = LocalAuthority(api_key="sekrit").start()
    try:
        with pytest.raises(realname.RealNameUnavailable, match="status 401"):
            HttpAuthority(keyed.url).verify(person())
        assert HttpAuthority(keyed.url, "sekrit").verify(person()) == "match"
    finally:
        keyed.stop()
    requests.post(authority.url.replace("/verify", "/faults"), json={"delay_s": 2}, timeout=5)
    with pytest.raises(realname.RealNameUnavailable, match="ReadTimeout"):
        HttpAuthority(authority.url, timeout_s=0.2).verify(person())  # slower than the timeout
    requests.post(authority.url.replace("/verify", "/faults"), json={}, timeout=5)
    port = authority.port
    authority.stop()
    with pytest.raises(realname.RealNameUnavailable, match="ConnectionError"):
        HttpAuthority(f"http://127.0.0.1:{port}/api/v1/verify").verify(person())


def test_a_confirmation_is_remembered_in_redis_for_the_set_time(redis, settings):
    cache = RedisConfirmed(redis, settings.redis_prefix, 600)
    assert cache.known(["a", "b"]) == set()
    cache.remember(["a"])
    assert cache.known(["a", "b"]) == {"a"}
    ttl = redis.ttl(f"{settings.redis_prefix}{CACHE_KEY}a")
    assert 0 < ttl <= 600
    off = RedisConfirmed(redis, settings.redis_prefix, 0)
    off.remember(["c"])
    assert off.known(["a", "c"]) == set() and not redis.exists(f"{settings.redis_prefix}{CACHE_KEY}c")

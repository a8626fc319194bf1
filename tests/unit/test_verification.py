"""Verified phones (services/registration/access/verification.py) on the Redis code store and its Lua
(code_issue.lua, code_check.lua), on the session's Redis with a key prefix per test."""

from __future__ import annotations

import pytest

from services.registration.access import verification as v
from services.registration.access.verification_store import RedisCodeStore
from services.registration.vocabulary import Refusal
from shared import sealed

SECRET = b"s" * 32
POLICY = v.Policy(code_ttl_s=300, max_attempts=5, resend_cooldown_s=60, daily_per_phone=3, daily_per_ip=4)
MIN = 60_000
# The scripts' clock starts here (code_issue.lua reads a missing record's sent time as 0): the
# tests' ``now`` counts from it.
T0 = 1_800_000_000_000


class Outbox:
    """A code sender that remembers what it was given (the SMS the person would read)."""

    def __init__(self, fail: bool = False):
        self.sent: list[tuple[str, str]] = []
        self.fail = fail

    def send_code(self, phone, code, locale, ttl_min, channel="sms"):
        if self.fail:
            raise v.SenderUnavailable("down")
        self.sent.append((phone, code))


@pytest.fixture
def code_store(store_settings, store_redis) -> RedisCodeStore:
    """The Redis store as the app wires it: the session's phone sealed with registration's ring."""
    ring = sealed.sealer(store_settings, sealed.REGISTRATION)
    return RedisCodeStore(store_redis, store_settings.redis_prefix, ring)


@pytest.fixture
def world(code_store):
    return code_store, Outbox()


def stored(store: RedisCodeStore) -> str:
    """Every key the store wrote and its value, as text."""
    out = []
    for key in sorted(store.redis.scan_iter(match=store.p + "*")):
        kind = store.redis.type(key)
        if kind == b"string":
            value = store.redis.get(key)
        elif kind == b"hash":
            value = store.redis.hgetall(key)
        elif kind == b"zset":
            value = store.redis.zrange(key, 0, -1, withscores=True)
        else:
            raise AssertionError(f"a key of another type: {key!r} {kind!r}")
        out.append((key, value))
    return repr(out)


def code_record(store: RedisCodeStore) -> dict:
    (key,) = store.redis.scan_iter(match=store.p + "vcode:*")
    return {k.decode(): n.decode() for k, n in store.redis.hgetall(key).items()}


def ask(world, phone="138 0013 8000", ip="10.0.0.1", now=0):
    store, outbox = world
    return v.request_code(
        phone, ip, "zh-CN", store=store, sender=outbox, policy=POLICY, secret=SECRET, now_ms=T0 + now
    )


def answer(world, code, phone="+86 13800138000", now=1000):
    return v.verify(phone, code, store=world[0], policy=POLICY, secret=SECRET, now_ms=T0 + now)


def refused(fn, *args, **kwargs) -> Refusal:
    with pytest.raises(Refusal) as exc:
        fn(*args, **kwargs)
    return exc.value


def test_the_right_code_opens_a_session_for_the_canonical_phone(world):
    got = ask(world)
    assert got["phone_masked"] == "138****8000" and got["expires_in_s"] == 300
    phone, code = world[1].sent[-1]
    assert phone == "13800138000" and len(code) == 6 and code.isdigit()
    session = answer(world, code)
    assert session.phone == "13800138000" and session.token.startswith("vs_")
    assert v.session_phone(session.token, world[0]) == "13800138000"
    assert v.require_phone(session.token, world[0]) == "13800138000"


def test_the_code_and_the_token_are_stored_only_as_hashes(world):
    ask(world)
    code = world[1].sent[-1][1]
    session = answer(world, code)
    dump = stored(world[0])
    assert code not in dump and session.token not in dump and "13800138000" not in dump


def test_a_used_code_does_not_open_a_second_session(world):
    ask(world)
    code = world[1].sent[-1][1]
    answer(world, code)
    assert refused(answer, world, code, now=2000).reason == "code_expired"


def test_a_wrong_code_counts_down_then_locks(world):
    ask(world)
    code = world[1].sent[-1][1]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    lefts = [refused(answer, world, wrong).details["attempts_left"] for _ in range(5)]
    assert lefts == [4, 3, 2, 1, 0]
    assert refused(answer, world, code).reason == "too_many_attempts"


def test_the_code_expires_after_five_minutes(world):
    ask(world, now=0)
    code = world[1].sent[-1][1]
    assert refused(answer, world, code, now=5 * MIN).reason == "code_expired"


def test_resend_waits_for_the_cooldown(world):
    ask(world, now=0)
    r = refused(ask, world, now=59_000)
    assert r.reason == "code_cooldown" and r.details["retry_ms"] == 1000
    ask(world, now=MIN)
    assert len(world[1].sent) == 2


def test_daily_caps_per_phone_and_per_address(world):
    for i in range(3):
        ask(world, now=i * MIN)
    assert refused(ask, world, now=3 * MIN).reason == "daily_cap_reached"
    ask(world, phone="13900139000", now=3 * MIN)  # the fourth from this address
    assert refused(ask, world, phone="13700137000", now=4 * MIN).reason == "daily_cap_reached"
    # 24 h after the first code, the phone may have one again
    ask(world, now=24 * 60 * MIN + 1)


def test_a_code_that_could_not_be_sent_does_not_hold_the_cooldown(code_store):
    store = code_store
    r = refused(
        v.request_code,
        "13800138000",
        "ip",
        "en",
        store=store,
        sender=Outbox(fail=True),
        policy=POLICY,
        secret=SECRET,
        now_ms=T0,
    )
    assert r.reason == "sms_unavailable"
    v.request_code(
        "13800138000", "ip", "en", store=store, sender=Outbox(), policy=POLICY, secret=SECRET, now_ms=T0 + 1
    )


@pytest.mark.parametrize("bad", ["13800138000\n", "１３８００１３８０００", "12345"])
def test_a_bad_phone_is_refused_before_anything_is_sent(world, bad):
    assert refused(ask, world, phone=bad).reason == "phone_invalid"
    assert world[1].sent == []


@pytest.mark.parametrize("bad", ["12345", "1234567", "１２３４５６", "123456\n", None])
def test_a_malformed_code_is_refused_without_using_an_attempt(world, bad):
    ask(world)
    assert refused(answer, world, bad).reason == "code_invalid"
    assert code_record(world[0])["attempts"] == "0"


@pytest.mark.parametrize("token", [None, "", "sd_staff", "vs_unknown", "vs_" + "x" * 200])
def test_no_session_means_not_verified(world, token):
    assert v.session_phone(token, world[0]) is None
    assert refused(v.require_phone, token, world[0]).reason == "phone_not_verified"

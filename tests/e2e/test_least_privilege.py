"""`make run`'s servers with one user per service (sciday/credentials.py): Redis with ACL users and
the default user off, Apache Kafka with SASL/SCRAM and ACLs.  The whole registration path works
with every process connected as its own service, Redis refused none of them, and the broker
refuses a plain client and a service writing another's topic."""

from __future__ import annotations

import pytest
import redis as redis_lib
import requests

from sciday import embedded
from sciday.stack import Stack, StackOptions
from services.checkin.projection import Projection
from shared.auth import create_token
from shared.redis_scripts import connect, connect_as
from tests.conftest import TEST_BROKER, activity_doc, wait_for


@pytest.fixture(scope="module")
def acl_stack(servers, tmp_path_factory):  # servers: for the client settings chosen there
    var = tmp_path_factory.mktemp("acl-stack")
    opts = StackOptions(
        var_dir=var,
        # Its own redis-server and broker, as `make run` starts them: ACL users and SCRAM users.
        redis_port=embedded.free_port(),
        kafka_port=embedded.free_port(),
        broker=TEST_BROKER,
        redis_acl=True,
        kafka_sasl=True,
        registration_port=embedded.free_port(),
        checkin_port=embedded.free_port(),
        notify_port=embedded.free_port(),
        workers=1,
        threads=4,
        seed=False,
        extra_env={
            "SCIDAY_TOPIC_PREFIX": "acl.",
            **servers["client_env"],
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


def test_every_service_does_its_job_as_its_own_redis_and_kafka_user(acl_stack):
    settings = acl_stack.settings()  # sciday-admin
    admin = connect_as(settings)
    token = create_token(admin, settings.redis_prefix, "organizer", "acl organizer")
    auth = {"Authorization": f"Bearer {token}"}
    reg, notify = acl_stack.instance_urls("registration")[0], acl_stack.instance_urls("notify")[0]

    r = requests.post(f"{reg}/api/v1/activities", json=activity_doc("acl-imax"), headers=auth, timeout=10)
    assert r.status_code == 201, r.text
    body = {
        "name": "王五",
        "phone": "13700001111",
        "organization": "辽宁省科学院",
        "party_size": 2,
        "email": "wangwu@example.org",
    }
    r = requests.post(f"{reg}/api/v1/activities/acl-imax/registrations", json=body, timeout=10)
    assert r.status_code == 201, r.text
    rid = r.json()["registration_id"]

    # The relay (registration's user) moved it to Kafka; the check-in consumer (checkin's user)
    # projected it; the notify consumer (notify's user) queued and sent an SMS and an email.
    proj = Projection(admin, settings.redis_prefix)
    rec = wait_for(lambda: proj.registration("acl-imax", rid), what="the check-in projection")
    assert rec["status"] == "confirmed"

    def sent():
        resp = requests.get(
            f"{notify}/api/v1/notifications", params={"registration_id": rid}, headers=auth, timeout=5
        )
        assert resp.status_code == 200, resp.text
        return [n for n in resp.json()["notifications"] if n["status"] == "sent"]

    assert sorted(n["channel"] for n in wait_for(lambda: len(sent()) == 2 and sent(), what="notify")) == [
        "email",
        "sms",
    ]
    for name in ("registration", "checkin", "notify"):
        h = requests.get(f"{acl_stack.instance_urls(name)[0]}/healthz", timeout=5)
        assert h.status_code == 200 and h.json()["status"] == "ok", (name, h.text)

    # Nothing any process did, from its start on, was refused by Redis.
    refused = [
        {k.decode(): v.decode() if isinstance(v, bytes) else v for k, v in e.items()}
        for e in admin.execute_command("ACL", "LOG")
    ]
    assert refused == [], [(e["username"], e["object"], e["client-info"]) for e in refused]

    # Every worker (relay, schedulers, sweeps, consumers) is up and logged in: none died, and none
    # keeps retrying as nobody (the default user is off, so Redis says NOAUTH, not an ACL LOG line).
    for c in acl_stack.children:
        if c.url or c.sink:
            continue
        assert c.proc is not None and c.proc.poll() is None and c.restarts == 0, (c.name, c.restarts)
        log = (acl_stack.logs / f"{c.name}.log").read_text(encoding="utf-8", errors="replace")
        for sign in ("Authentication required", "NOAUTH", "Unable to bootstrap", "Traceback"):
            assert sign not in log, (c.name, sign)


def test_the_default_user_is_off_and_services_have_their_own_users(acl_stack):
    url = acl_stack.redis_url
    with pytest.raises(redis_lib.AuthenticationError):
        connect(url).ping()  # no user: NOAUTH
    users = sorted(u.decode() for u in connect_as(acl_stack.settings()).execute_command("ACL", "USERS"))
    assert users == ["checkin", "default", "monitoring", "notify", "registration", "replica", "sciday-admin"]


def test_the_broker_takes_only_the_services_scram_users(acl_stack):
    if acl_stack.broker != "kafka":
        pytest.skip("SASL/SCRAM is set up on Apache Kafka only (Tansu runs plain)")
    from kafka import KafkaProducer
    from kafka.errors import KafkaError, TopicAuthorizationFailedError

    from shared.config import load
    from shared.kafka import make_producer

    assert acl_stack.kafka_users
    with pytest.raises(KafkaError):  # a plain client gets no metadata from a SASL listener
        plain = KafkaProducer(bootstrap_servers=acl_stack.kafka, api_version=(3, 0), max_block_ms=2000)
        plain.send("acl.registration-events", b"x").get(timeout=5)
    # notify's consumer process's settings: its own SCRAM user, which may not write registration's topic.
    notify = load(environ={**acl_stack.env(), **acl_stack.credentials_env("notify")})
    assert (notify.kafka_username, notify.kafka_sasl_mechanism) == ("notify", "SCRAM-SHA-512")
    producer = make_producer(notify, max_block_ms=5000)
    with pytest.raises(TopicAuthorizationFailedError):
        producer.send("acl.registration-events", b"x").get(timeout=20)
    producer.close(timeout=2)


@pytest.mark.parametrize("service", ["checkin", "notify"])
def test_a_token_written_with_a_services_password_makes_no_organizer(acl_stack, service):
    """Issue 23, finding 1: with check-in's (or notify's) Redis password, HSET a made-up token with
    role organizer into the token store, then export every registrant with it. Only sciday-admin
    writes ``tokens`` (sciday/redis_keys.py): NOPERM, and the token gets 401."""
    import hashlib
    import json

    from shared.config import load

    as_service = connect_as(load(environ={**acl_stack.env(), **acl_stack.credentials_env(service)}))
    token = f"sd_made-up-by-{service}"
    record = json.dumps({"role": "organizer", "venue": None, "name": "insider"})
    tokens = f"{acl_stack.settings().redis_prefix}tokens"
    try:
        as_service.hset(tokens, hashlib.sha256(token.encode()).hexdigest(), record)
        refused = False
    except redis_lib.exceptions.NoPermissionError:
        refused = True
    reg = acl_stack.instance_urls("registration")[0]
    r = requests.get(
        f"{reg}/api/v1/activities/acl-imax/registrations.csv",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    # Before issue 23: written, and the export answered 200 with every registrant's name and phone.
    assert (refused, r.status_code) == (True, 401), r.text[:200]
    assert r.json()["reason"] == "unauthorized"

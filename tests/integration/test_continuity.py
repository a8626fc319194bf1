"""State is never silently lost (issue 24 §8): start-up refuses on an empty Redis with history and
on lost or remade keys, says the flag that forces it, and a forced new key never reuses an old id."""

from __future__ import annotations

import shutil

import pytest

from sciday import continuity, embedded
from sciday.stack import Stack, StackOptions
from shared import sealed
from shared.kafka import make_producer
from shared.redis_scripts import connect_as
from shared.tickets import InvalidTicket, KeyRing
from shared.topics import REGISTRATION_EVENTS, ensure_topics


def _keys(settings):
    ring = KeyRing.load_or_create(settings.keys_dir)
    sealed.sealer(settings, sealed.REGISTRATION)
    return ring


def _started(settings, redis):
    """A first start: the check on an empty Redis, the keys made, the check again (`sciday up`)."""
    continuity.check(redis, settings, settings.keys_dir)
    ring = _keys(settings)
    continuity.check(redis, settings, settings.keys_dir)
    return ring


def _sign(ring):
    return ring.sign(
        registration_id="a" * 16, activity_id="a1", venue_id="v1", party_size=1, valid_from=0, valid_until=9
    )


def test_an_empty_redis_with_keys_on_disk_refuses_and_names_the_flag(settings, redis):
    _keys(settings)
    with pytest.raises(continuity.StateLost, match="--accept-empty-redis") as refused:
        continuity.check(redis, settings, settings.keys_dir)
    assert "Redis is empty" in str(refused.value)
    assert not redis.exists(settings.redis_prefix + continuity.KEY)
    done = continuity.check(redis, settings, settings.keys_dir, accept_empty=True)
    assert done and done[0].startswith("--accept-empty-redis")
    assert continuity.check(redis, settings, settings.keys_dir) == []  # recorded: no history lost now


def test_an_empty_redis_with_events_in_the_topic_refuses(settings, redis):
    ensure_topics(settings.kafka_bootstrap_servers, settings.topic_prefix)
    producer = make_producer(settings)
    producer.send(settings.topic_prefix + REGISTRATION_EVENTS, b"{}").get(timeout=30)
    producer.close()
    assert continuity.kafka_history(settings) == 1
    with pytest.raises(continuity.StateLost, match="1 events written to"):
        continuity.check(
            redis, settings, settings.keys_dir, events=lambda: continuity.kafka_history(settings)
        )


def test_a_first_start_and_an_existing_redis_without_a_record_start(settings, redis):
    assert continuity.check(redis, settings, settings.keys_dir) == []  # nothing anywhere: a first start
    redis.delete(settings.redis_prefix + continuity.KEY)
    _keys(settings)
    redis.set(settings.redis_prefix + "act:x", "1")  # a Redis from before the record: adopted
    assert continuity.check(redis, settings, settings.keys_dir) == []
    assert redis.hexists(settings.redis_prefix + continuity.KEY, "ticket:1")


def test_a_lost_ticket_key_refuses_and_new_keys_take_a_new_id(settings, redis):
    code = _sign(_started(settings, redis))
    shutil.rmtree(settings.keys_dir)
    with pytest.raises(continuity.StateLost, match="ticket:1 is missing.*--new-keys"):
        continuity.check(redis, settings, settings.keys_dir)
    done = continuity.check(redis, settings, settings.keys_dir, new_keys=True)
    assert any("ticket signing key, id 2" in line for line in done), done
    assert any("registration sealing key, id 2" in line for line in done), done
    ring = KeyRing.load(settings.keys_dir)
    assert ring.signing_kid == 2
    with pytest.raises(InvalidTicket, match="unknown key id"):  # not a bad signature under a reused id
        ring.verify(code)
    assert continuity.check(redis, settings, settings.keys_dir) == []  # the next start is clean


def test_a_key_remade_with_the_same_id_refuses_and_is_moved_to_a_new_id(settings, redis):
    old = _started(settings, redis)
    for path in settings.keys_dir.glob("ed25519-*"):
        path.unlink()
    KeyRing.load_or_create(settings.keys_dir)  # what a service did on its own before this check
    with pytest.raises(continuity.StateLost, match="ticket:1 is another key"):
        continuity.check(redis, settings, settings.keys_dir)
    continuity.check(redis, settings, settings.keys_dir, new_keys=True)
    ring = KeyRing.load(settings.keys_dir)
    assert sorted(ring.public) == [2]
    with pytest.raises(InvalidTicket, match="unknown key id"):
        ring.verify(_sign(old))


def _outside_stack(servers, settings, tmp_path) -> Stack:
    return Stack(
        StackOptions(
            var_dir=tmp_path / "var",
            redis_url=servers["redis_url"],
            kafka=servers["kafka"],
            registration_port=embedded.free_port(),
            checkin_port=embedded.free_port(),
            notify_port=embedded.free_port(),
            extra_env={
                "SCIDAY_REDIS_PREFIX": settings.redis_prefix,
                "SCIDAY_TOPIC_PREFIX": settings.topic_prefix,
                **servers["client_env"],
            },
        ),
        out=open(tmp_path / "stack.out", "w"),
    )


def test_sciday_up_refuses_an_empty_redis_when_the_keys_show_history(servers, settings, tmp_path):
    KeyRing.load_or_create(tmp_path / "var" / "keys")
    stack = _outside_stack(servers, settings, tmp_path)
    try:
        with pytest.raises(continuity.StateLost, match="Redis is empty"):
            stack.start()
        assert stack.children == []  # no service was started
    finally:
        stack.stop()


def test_sciday_up_refuses_lost_keys(servers, settings, redis, tmp_path):
    keys = tmp_path / "var" / "keys"
    continuity.check(redis, settings, keys)
    KeyRing.load_or_create(keys)
    continuity.check(redis, settings, keys)  # a second start records the key
    shutil.rmtree(keys)
    stack = _outside_stack(servers, settings, tmp_path)
    try:
        with pytest.raises(continuity.StateLost, match="ticket:1 is missing"):
            stack.start()
        assert stack.children == [] and not keys.exists()  # no key was made again
    finally:
        stack.stop()


def test_sciday_state_check_refuses_then_records_when_forced(servers, settings, monkeypatch, capsys):
    from sciday.cli import main

    env = {
        "REDIS_URL": settings.redis_url,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "SCIDAY_REDIS_PREFIX": settings.redis_prefix,
        "SCIDAY_TOPIC_PREFIX": settings.topic_prefix,
        "SCIDAY_VAR_DIR": str(settings.var_dir),
        "SCIDAY_KEYS_DIR": str(settings.keys_dir),
        **servers["client_env"],
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    KeyRing.load_or_create(settings.keys_dir)  # provisioned before the first start: no history
    assert main(["state", "check"]) == 0
    redis = connect_as(settings)
    redis.delete(settings.redis_prefix + continuity.KEY)
    ensure_topics(settings.kafka_bootstrap_servers, settings.topic_prefix)
    producer = make_producer(settings)
    producer.send(settings.topic_prefix + REGISTRATION_EVENTS, b"{}").get(timeout=30)
    producer.close()
    assert main(["state", "check"]) == 1
    assert "--accept-empty-redis" in capsys.readouterr().err
    assert main(["state", "check", "--accept-empty-redis"]) == 0
    assert main(["state", "check"]) == 0
    assert "state whole" in capsys.readouterr().out


def test_a_key_retired_after_a_rotation_no_longer_stops_the_start_and_its_id_stays_used(settings, redis):
    _started(settings, redis)
    (settings.keys_dir / "ed25519-1.pub").unlink()  # its last ticket expired (docs/operations.md)
    (settings.keys_dir / "ed25519-1.key").unlink()
    with pytest.raises(continuity.StateLost, match="sciday state retire"):
        continuity.check(redis, settings, settings.keys_dir)
    assert continuity.retire(redis, settings, ["ticket:1", "ticket:9"]) == ["ticket:1"]
    assert continuity.check(redis, settings, settings.keys_dir, new_keys=False) == []
    record = {k.decode() for k in redis.hkeys(settings.redis_prefix + continuity.KEY)}
    assert continuity.next_id(dict.fromkeys(record, ""), "ticket") == 2


def test_a_read_only_check_refuses_alike_and_writes_nothing(settings, redis):
    """Kubernetes' gate (`sciday state check --read-only`, as a service's user): never records,
    and never replaces a lost key, even when told to."""
    key = settings.redis_prefix + continuity.KEY
    _keys(settings)  # provisioned before the first start
    assert continuity.check(redis, settings, settings.keys_dir, keys_show_history=False, write=False) == []
    assert not redis.exists(key)
    continuity.check(redis, settings, settings.keys_dir, keys_show_history=False)  # the admin records
    (settings.keys_dir / "ed25519-1.pub").unlink()
    (settings.keys_dir / "ed25519-1.key").unlink()
    with pytest.raises(continuity.StateLost, match="ticket:1 is missing"):
        continuity.check(redis, settings, settings.keys_dir, new_keys=True, write=False)
    assert redis.hexists(key, "ticket:1") and not list(settings.keys_dir.glob("ed25519-*"))

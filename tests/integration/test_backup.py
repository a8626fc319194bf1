"""`sciday backup` / `sciday restore` (issue 24 §5) on the test Redis and broker: Redis comes back
key for key with its time to live, the consumer offsets are saved and set back, and a restore
refuses to overwrite a Redis or a key that differs, or to read a damaged backup."""

from __future__ import annotations

import json

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

from sciday.backup import RestoreRefused, backup, prune, restore
from shared.kafka import make_producer
from shared.tickets import KeyRing
from shared.topics import REGISTRATION_EVENTS, ensure_topics


def _fill(redis, p: str) -> None:
    redis.hset(f"{p}act:{{a1}}", mapping={"capacity": 40, "taken": 3})
    redis.set(f"{p}reg:{{a1}}:r1", "confirmed", px=600_000)
    redis.xadd(f"{p}outbox", {"topic": "registration-events", "envelope": "{}"})
    redis.set("other:not-ours", "1")


def _state(redis, p: str) -> dict:
    return {k: redis.dump(k) for k in sorted(redis.scan_iter(f"{p}*"))}


def _committed(settings, group: str) -> dict:
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    try:
        got = admin.list_group_offsets({settings.topic_prefix + group: None})
        return {tp.partition: m.offset for tp, m in got[settings.topic_prefix + group].items()}
    finally:
        admin.close()


def _commit(settings, group: str, offset: int) -> None:
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers, group_id=settings.topic_prefix + group
    )
    tp = TopicPartition(settings.topic_prefix + REGISTRATION_EVENTS, 0)
    consumer.commit({tp: OffsetAndMetadata(offset, "", -1)})
    consumer.close(autocommit=False)


def test_a_backup_restores_redis_the_keys_and_the_offsets(settings, redis, tmp_path):
    p = settings.redis_prefix
    _fill(redis, p)
    KeyRing.load_or_create(settings.keys_dir)
    ensure_topics(settings.kafka_bootstrap_servers, settings.topic_prefix)
    producer = make_producer(settings)
    for _ in range(3):
        producer.send(settings.topic_prefix + REGISTRATION_EVENTS, b"{}", partition=0)
    producer.flush()
    producer.close()
    _commit(settings, "notify", 3)
    before = _state(redis, p)

    folder = backup(settings, redis, tmp_path / "backups")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["redis_keys"] == 3 and "offsets_error" not in manifest
    assert json.loads((folder / "offsets.json").read_text())["notify"] == {
        f"{settings.topic_prefix}{REGISTRATION_EVENTS}:0": 3
    }
    assert oct((folder / "keys").stat().st_mode & 0o777) == "0o700"

    with pytest.raises(RestoreRefused, match="already holds keys"):
        restore(settings, redis, folder)
    for key in redis.scan_iter(f"{p}*"):
        redis.delete(key)
    (settings.keys_dir / "ed25519-1.pub").unlink()
    _commit(settings, "notify", 1)

    done = restore(settings, redis, folder, offsets=True)
    assert _state(redis, p) == before
    assert 0 < redis.pttl(f"{p}reg:{{a1}}:r1") <= 600_000
    assert (settings.keys_dir / "ed25519-1.pub").exists() and done["files"] == 1
    assert _committed(settings, "notify") == {0: 3}


def test_a_restore_refuses_a_differing_key_and_a_damaged_backup(settings, redis, tmp_path):
    KeyRing.load_or_create(settings.keys_dir)
    folder = backup(settings, redis, tmp_path / "backups", offsets=False)
    (settings.keys_dir / "ed25519-1.pub").write_text("another key\n")
    with pytest.raises(RestoreRefused, match="differs from the backup"):
        restore(settings, redis, folder)
    restore(settings, redis, folder, replace=True)
    assert (settings.keys_dir / "ed25519-1.pub").read_text() != "another key\n"
    with (folder / "redis.jsonl").open("a") as fh:
        fh.write("{}\n")
    with pytest.raises(RestoreRefused, match="damaged"):
        restore(settings, redis, folder, replace=True)


def test_old_backups_are_pruned_to_the_newest(tmp_path):
    for stamp in ("20301010T000000Z", "20301011T000000Z", "20301012T000000Z"):
        (tmp_path / f"sciday-{stamp}").mkdir()
    (tmp_path / "sciday-20301013T000000Z.partial").mkdir()
    gone = prune(tmp_path, 2)
    assert [g.name for g in gone] == ["sciday-20301010T000000Z"]
    assert sorted(p.name for p in tmp_path.iterdir())[-1].endswith(".partial")

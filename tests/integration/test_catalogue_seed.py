"""Seeding the demo catalogue into a real redis-server is idempotent and never overwrites edits."""

from __future__ import annotations

import uuid

import pytest

from sciday import catalogue, embedded
from services.registration.catalogue import activities
from services.registration.seats.store import SeatStore
from shared import config
from shared.outbox import stream_key
from shared.redis_scripts import connect

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    port = embedded.free_port()
    proc = embedded.start_redis(port, tmp_path_factory.mktemp("redis-catalogue"))
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        embedded.stop(proc)


@pytest.fixture()
def store(redis_url):
    settings = config.load({"redis_url": redis_url, "redis_prefix": f"t-{uuid.uuid4().hex[:8]}:"})
    client = connect(redis_url)
    yield SeatStore(client, settings)
    client.close()


def snapshot(store: SeatStore) -> dict:
    """Everything seeding touches: each activity's state hash, the index and the outbox."""
    r, k = store.redis, store.keys
    ids = [i.decode() for i in r.zrange(k.activities, 0, -1)]
    return {
        "index": r.zrange(k.activities, 0, -1, withscores=True),
        "outbox": r.xlen(stream_key(store.settings)),
        "hashes": {aid: r.hgetall(k.activity(aid)) for aid in ids},
    }


def test_seed_twice_creates_nothing_the_second_time(store):
    docs = catalogue.load_file()
    created, existing = catalogue.seed(store, docs)
    assert (created, existing) == (len(docs), 0)
    first = snapshot(store)
    assert sorted(first["hashes"]) == sorted(d["id"] for d in docs)
    assert first["outbox"] == len(docs)  # one ActivityPublished each
    for d in docs:
        h = first["hashes"][d["id"]]
        assert h[b"rev"] == b"1" and h[b"taken"] == b"0"
        assert int(h[b"capacity"]) == d["capacity"]

    assert catalogue.seed(store, docs) == (0, len(docs))
    assert snapshot(store) == first


def test_reseed_keeps_an_organizers_edit(store):
    docs = catalogue.load_file()
    catalogue.seed(store, docs)
    aid = docs[0]["id"]
    doc, counts = store.get_activity(aid)
    edited = dict(doc, capacity=doc["capacity"] + 30, hall="改到报告厅 Moved to the Lecture Hall")
    store.put_activity(
        edited,
        mode="update",
        expected_rev=int(counts["rev"]),
        event_type="ActivityChanged",
        event_data={"activity": activities.snapshot(edited), "changed": ["capacity", "hall"]},
    )
    before = snapshot(store)

    assert catalogue.seed(store, docs) == (0, len(docs))
    assert snapshot(store) == before
    kept, counts = store.get_activity(aid)
    assert kept["capacity"] == docs[0]["capacity"] + 30
    assert kept["hall"].startswith("改到报告厅")
    assert counts["rev"] == b"2"


def test_seed_propagates_other_refusals(store):
    class Refusing:
        def put_activity(self, *a, **kw):
            from services.registration.vocabulary import REVISION_CONFLICT, Refusal

            raise Refusal(REVISION_CONFLICT)

    with pytest.raises(Exception) as err:
        catalogue.seed(Refusing(), catalogue.load_file())
    assert getattr(err.value, "reason", None) == "revision_conflict"


def test_the_demo_lottery_is_open_on_seeding_and_drawn_minutes_later(store):
    """Issue 15: one catalogue activity is allocated by lottery; seeding opens its lottery (entries
    from now, the seed committed) and re-seeding leaves it as it was."""
    from services.registration.lottery import draw as lot
    from services.registration.lottery.store import LotteryStore

    lotteries = LotteryStore(store.redis, store.settings)
    docs = catalogue.load_file(catalogue.DEFAULT_PATH)
    drawn_by_lot = [d["id"] for d in docs if d.get("allocation") == "lottery"]
    assert len(drawn_by_lot) == 1
    aid, now = drawn_by_lot[0], 1_900_000_000.0
    assert catalogue.seed(store, docs, lotteries, now=now)[0] == len(docs)
    opened = lotteries.settings(aid)
    assert opened.opens_at == now < opened.closes_at <= opened.draw_at <= now + 30 * 60
    commitment = lotteries.commitment(aid)
    assert catalogue.seed(store, docs, lotteries, now=now + 3600) == (0, len(docs))
    assert lotteries.settings(aid) == opened and lotteries.commitment(aid) == commitment
    assert lot.draw_due(lotteries, now=opened.draw_at - 1) == []
    assert lotteries.due(opened.draw_at) == [aid]


def test_the_demo_lottery_opens_as_a_group_of_one(store, tmp_path):
    """Issue 27: every new lottery is v2: seeding opens the demo lottery's group of one (gid = the
    activity id, entries from now) with no v1 lottery, and re-seeding leaves it as it was."""
    from services.registration.lottery.store import LotteryStore

    settings = store.settings.with_overrides(keys_dir=tmp_path / "keys", var_dir=tmp_path)
    lotteries = LotteryStore(store.redis, settings)
    engine = catalogue.group_engine(settings, store.redis, lotteries)
    docs = catalogue.load_file(catalogue.DEFAULT_PATH)
    aid, now = next(d["id"] for d in docs if d.get("allocation") == "lottery"), 1_900_000_000.0
    assert catalogue.seed(store, docs, lotteries, now=now, groups=engine)[0] == len(docs)
    meta = engine.groups.meta(aid)
    assert meta is not None and lotteries.state(aid) is None
    assert (meta["sessions"], meta["state"], int(meta["opens_at"])) == (f'["{aid}"]', "open", int(now))
    assert int(now) < int(meta["closes_at"]) <= int(meta["draw_at"]) <= now + 30 * 60
    assert catalogue.seed(store, docs, lotteries, now=now + 3600, groups=engine) == (0, len(docs))
    assert engine.groups.meta(aid) == meta
    off = settings.with_overrides(lottery_single_v2=False)
    assert catalogue.group_engine(off, store.redis, lotteries) is None  # v1, for v1's own tests

"""The restore drill (issue 24 §5, §8), on a stack with the ACLs and SASL of `make run`: back up
with `sciday backup`, admit a ticket after the backup, lose Redis (a new, empty server), see
`sciday up` refuse, start it with `--restore`, then `sciday rebuild checkin` as the operator:
every confirmed registration is back, the door's projection is rebuilt and the ticket admitted
after the backup is refused as already checked in."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, datetime

import pytest
import requests

from sciday.continuity import StateLost
from sciday.stack import Stack
from services.checkin.door.admission import bucket
from services.checkin.door.store import CheckinStore
from services.checkin.ports import AdmitStep
from services.checkin.projection import Projection
from services.registration.seats.store import SeatStore
from shared.auth import create_token
from shared.outbox import cursor_key
from shared.redis_scripts import connect_as
from tests.conftest import ROOT, activity_doc, wait_for
from tests.faults.conftest import Supervisor, drill_stack

AID = "restore-drill"


def _sciday(stack: Stack, *args: str) -> subprocess.CompletedProcess:
    """A `sciday` command as the operator runs it: no service's credentials, the var folder's."""
    return subprocess.run(
        [sys.executable, "-m", "sciday.cli", *args],
        env=stack.env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _start(stack: Stack) -> Supervisor:
    stack.start()
    assert stack.wait_healthy(90), stack.status_table()
    sup = Supervisor(stack)
    sup.start()
    return sup


def _stop(stack: Stack, sup: Supervisor | None) -> None:
    if sup is not None:
        sup.stopped.set()
        sup.join(2)
    stack.stop()


def _admit(store: CheckinStore, rid: str, party: int, cid: str) -> dict:
    at = datetime.now(UTC)
    return store.admit(
        AdmitStep(
            cid, AID, rid, "v1", party, 0, "east", at.isoformat(), bucket(at), "", "drill", at.isoformat()
        )
    )


def _like_make_run(tmp_path, broker: str, restore=None) -> Stack:
    stack = drill_stack(tmp_path, broker)
    stack.opts.redis_acl, stack.opts.kafka_sasl = True, broker == "kafka"
    stack.opts.restore_from = restore
    return stack


def test_back_up_lose_redis_restore_and_rebuild(tmp_path, drill_broker):
    stack, sup = _like_make_run(tmp_path, drill_broker), None
    try:
        sup = _start(stack)
        settings = stack.settings()
        redis = connect_as(settings)
        org = {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "drill")}
        reg = f"http://127.0.0.1:{stack.opts.registration_port}"
        doc = activity_doc(AID, capacity=40, audience="public", waitlist={"enabled": False, "max_length": 0})
        assert requests.post(f"{reg}/api/v1/activities", headers=org, json=doc, timeout=10).status_code == 201
        confirmed = {}
        for i in range(12):
            r = requests.post(
                f"{reg}/api/v1/activities/{AID}/registrations",
                json={"name": "演练", "phone": f"1{5_600_000_000 + i:010d}", "party_size": 1 + i % 3},
                timeout=30,
            )
            assert r.status_code == 201, r.text
            confirmed[r.json()["registration_id"]] = 1 + i % 3
        projection = Projection(redis, settings.redis_prefix)
        wait_for(
            lambda: all(projection.registration(AID, rid) for rid in confirmed), 60, what="the projection"
        )

        made = _sciday(stack, "backup", "--to", str(tmp_path / "backups"))
        assert made.returncode == 0, made.stderr
        [backup] = list((tmp_path / "backups").glob("sciday-*"))

        rid, party = next(iter(confirmed.items()))  # admitted after the backup: only in checkin-events
        store = CheckinStore(redis, settings)
        assert _admit(store, rid, party, "drill-c1")["status"] == "ok"
        last = redis.xrevrange(store.outbox, count=1)[0][0]
        wait_for(lambda: redis.get(cursor_key(settings, "ck:outbox")) == last, 30, what="the check-in relay")
    finally:
        _stop(stack, sup)

    shutil.rmtree(tmp_path / "var" / "redis")  # Redis lost: the next one starts empty
    lost = _like_make_run(tmp_path, drill_broker)
    with pytest.raises(StateLost, match="Redis is empty"):
        lost.start()
    assert lost.children == []
    lost.stop()

    stack, sup = _like_make_run(tmp_path, drill_broker, restore=backup), None
    try:
        sup = _start(stack)
        settings = stack.settings()
        redis = connect_as(settings)
        back = [g for g in SeatStore(redis, settings).registrations(AID) if g["status"] == "confirmed"]
        assert {g["registration_id"]: g["party_size"] for g in back} == confirmed
        for key in redis.scan_iter(f"{settings.redis_prefix}ck:*{{{AID}}}"):  # the door's state, lost too
            redis.delete(key)

        rebuilt = _sciday(stack, "rebuild", "checkin", "--batch", "100")
        assert rebuilt.returncode == 0, rebuilt.stderr[-2000:]
        projection = Projection(redis, settings.redis_prefix)
        assert all(projection.registration(AID, g) for g in confirmed)
        again = _admit(CheckinStore(redis, settings), rid, party, "drill-c2")
        assert again["status"] == "denied" and again["reason"] == "already_checked_in"
    finally:
        _stop(stack, sup)

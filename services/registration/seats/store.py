"""Redis adapter of the registration service: the seat scripts over the keys it owns (keys.py)."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path

from services.registration.catalogue import activities
from services.registration.privacy import personal
from services.registration.seats import activity_reads
from services.registration.seats.accessible import AccessibleLeft
from services.registration.seats.at_rest import SealedAtRest
from services.registration.seats.correction_store import MemberCorrections
from services.registration.seats.keys import NO_FAIR, Keys, now_pair, refused
from services.registration.seats.quota_schemas import quota_release_hours, quota_state
from services.registration.seats.soldout import SoldOutMemo
from services.registration.vocabulary import FCFS, LOTTERY, REFUSED, SOLD_OUT, Refusal
from shared.outbox_keys import stream_key
from shared.redis_scripts import Scripts

HERE = Path(__file__).parent


class SeatStore(SealedAtRest, MemberCorrections):
    """The seat scripts and the reads of activities and registrations; records sealed at rest."""

    def __init__(self, redis, settings):
        self.redis, self.settings = redis, settings
        self.keys = Keys(settings.redis_prefix)
        self.outbox = stream_key(settings)
        self.scripts = Scripts(
            redis,
            HERE,
            ["reserve", "cancel", "capacity", "promote_waitlist", "drop_member", "erase", "seats_open"],
        )
        self._doc_cache: dict[str, tuple[float, dict]] = {}
        self.soldout = SoldOutMemo(redis, self.keys, ttl_s=settings.soldout_memo_ms / 1000)
        # issue 27: where handed-back seats go when an activity does not say (activities.handback)
        self.handback_defaults = {FCFS: settings.handback_fcfs, LOTTERY: settings.handback_lottery}
        # issue 29: when each channel's kept seats stop being kept, in hours before the start
        self.quota_release_h = quota_release_hours(settings)
        self.accessible_left = AccessibleLeft(redis, self.keys)  # issue 29 item 6: the page's read

    # -- activities ------------------------------------------------------------------------
    def put_activity(
        self,
        doc: dict,
        *,
        mode: str,
        expected_rev: int | None,
        event_type: str,
        event_data: dict,
        now: datetime | None = None,
    ) -> tuple[int, int]:
        k, aid = self.keys, doc["id"]
        t_ms, t_iso = now_pair(now)
        res = self.scripts.capacity(
            keys=[k.activity(aid), k.waitlist(aid), k.regs(aid), self.outbox, k.activities],
            args=[
                t_ms,
                t_iso,
                mode,
                "" if expected_rev is None else str(expected_rev),
                json.dumps(
                    activities.state(
                        doc,
                        activities.handback(doc, self.handback_defaults),
                        quota_state(doc, self.quota_release_h),
                    ),
                    ensure_ascii=False,
                ),
                event_type,
                json.dumps(event_data, ensure_ascii=False),
            ],
        )
        self.soldout.forget(aid)  # seats may have come free: ask the script again at once
        if res[0].decode() == REFUSED:
            raise refused(res)
        return int(res[1]), int(res[2])

    def get_activity(self, aid: str) -> tuple[dict, dict] | None:
        return self._activities([aid])[0]

    def _activities(self, ids: list[str]) -> list[tuple[dict, dict] | None]:
        """Documents and counts of several activities in one round trip (activity_reads.py)."""
        return activity_reads.read(self.redis, self.keys, self.scripts.seats_open, ids)

    def activity_doc(self, aid: str, max_age_s: float = 1.0) -> dict | None:
        """The activity document for the registration hot path, cached per process for a second.

        Safe because reserve.lua re-checks everything that decides a seat (status, window, party
        size) against Redis itself; the cached document only feeds form checks and the ticket's
        signed window, which the check-in service overrides with its own projection.
        """
        now = time.monotonic()
        hit = self._doc_cache.get(aid)
        if hit and now - hit[0] < max_age_s:
            return hit[1]
        raw = self.redis.hget(self.keys.activity(aid), "doc")
        doc = json.loads(raw) if raw else None
        if doc is not None:
            if len(self._doc_cache) > 1000:
                self._doc_cache.clear()
            self._doc_cache[aid] = (now, doc)
        return doc

    def cached_doc(self, aid: str) -> dict | None:
        """The activity document if this process holds it (never a round trip)."""
        hit = self._doc_cache.get(aid)
        return hit[1] if hit else None

    def list_activities(self) -> list[tuple[dict, dict]]:
        ids = [i.decode() for i in self.redis.zrange(self.keys.activities, 0, -1)]
        return [got for got in self._activities(ids) if got]

    # -- registrations ---------------------------------------------------------------------
    def reserve(
        self, reg: dict, idem: str, now: datetime | None = None, fair: dict | None = None, owner_ref: str = ""
    ) -> tuple[str, str, int]:
        """``fair``: the real-name ID hashes, the request fingerprint and the per-ID limits
        (fair.lua); ``owner_ref``: the verified phone's keyed hash, for "我的报名"."""
        k, aid = self.keys, reg["activity_id"]
        fair = fair or NO_FAIR
        t_ms, t_iso = now_pair(now)
        res = self.scripts.reserve(
            keys=[
                k.activity(aid),
                k.phones(aid),
                k.waitlist(aid),
                k.regs(aid),
                k.idem(aid),
                self.outbox,
                k.regidx,
                k.ids(aid),
                k.idem_fingerprints(aid),
                k.id_day,
                k.id_festival,
                k.mine(owner_ref or "-"),
                k.shred(aid),
                k.proxy(owner_ref or "-"),
            ],
            args=[t_ms, t_iso, idem, json.dumps(self.at_rest(reg), ensure_ascii=False), json.dumps(fair)],
        )
        outcome = res[0].decode()
        if outcome == REFUSED:
            exc = refused(res)
            if exc.reason == SOLD_OUT:
                self.soldout.note(aid, int(res[2]))
            raise exc
        return outcome, res[1].decode(), int(res[2]) if len(res) > 2 else 0

    def refuse_from_memory(self, aid: str, party_size: int, idem: str) -> None:
        """Raise ``sold_out`` without a round trip if the script said so a moment ago (soldout.py)."""
        if not idem and self.soldout.sold_out(aid, party_size):
            self.soldout.turned_away(aid, party_size)
            raise Refusal(SOLD_OUT, {"from_memory": True})

    def cancel(self, aid: str, rid: str, now: datetime | None = None) -> tuple[str, str, int]:
        k = self.keys
        t_ms, t_iso = now_pair(now)
        res = self.scripts.cancel(
            keys=[
                k.activity(aid),
                k.phones(aid),
                k.waitlist(aid),
                k.regs(aid),
                self.outbox,
                k.ids(aid),
                k.id_day,
                k.id_festival,
            ],
            args=[t_ms, t_iso, rid],
        )
        self.soldout.forget(aid)
        if res[0].decode() == REFUSED:
            raise refused(res)
        return res[0].decode(), res[1].decode(), int(res[2])

    def drop_member(
        self, aid: str, rid: str, *, seen: int, member_at: int, hash_at: int, code: str, now: datetime
    ) -> tuple[int, int]:
        """drop_member.lua: (new party size, parties promoted); refusals as in the script."""
        k = self.keys
        t_ms, t_iso = now_pair(now)
        # issue 16: the new ticket code travels sealed for notify, with the contact fields it had
        reg = self.get_registration(rid) or {}
        for_notify = (
            self.seal_for_notify(aid, rid, {**personal.notify_fields(reg), "ticket_code": code})
            if reg.get("phone")
            else ""
        )
        res = self.scripts.drop_member(
            keys=[
                k.activity(aid),
                k.waitlist(aid),
                k.regs(aid),
                self.outbox,
                k.ids(aid),
                k.id_day,
                k.id_festival,
            ],
            args=[t_ms, t_iso, rid, seen, member_at, hash_at, code, for_notify],
        )
        self.soldout.forget(aid)
        if res[0].decode() == REFUSED:
            raise refused(res)
        return int(res[1]), int(res[2])

    def erase(self, aid: str, rid: str, now: datetime, cause: str, owner_ref: str = "") -> int:
        """Erase a registration's personal fields (erase.lua); returns how many it held, 0 if erased."""
        k = self.keys
        res = self.scripts.erase(
            keys=[
                k.regs(aid),
                k.phones(aid),
                k.ids(aid),
                self.outbox,
                k.mine(owner_ref or "-"),
                k.erasures,
                k.shred(aid),
                f"{self.settings.redis_prefix}lot:entries:{{{aid}}}",  # lottery_store.LotteryStore.k
                k.proxy(owner_ref or "-"),  # issue 29: the person booked for is forgotten, still counted
            ],
            args=[now_pair(now)[1], rid, cause, json.dumps(personal.ERASED)],
        )
        if res[0].decode() == REFUSED:
            raise refused(res)
        return int(res[1])

    def erasures(self, count: int = 100) -> list[dict]:
        """The audit of erasures, newest first: when, why, which activity, which fields; never whose."""
        return [
            {k.decode(): v.decode() for k, v in fields.items()}
            for _id, fields in self.redis.xrevrange(self.keys.erasures, count=count)
        ]

    def promote(self, aid: str, now: datetime | None = None) -> int:
        k = self.keys
        t_ms, t_iso = now_pair(now)
        res = self.scripts.promote_waitlist(
            keys=[k.activity(aid), k.waitlist(aid), k.regs(aid), self.outbox], args=[t_ms, t_iso]
        )
        if res[0].decode() == REFUSED:
            raise refused(res)
        return int(res[1])

    def activity_of(self, rid: str) -> str | None:
        aid = self.redis.hget(self.keys.regidx, rid)
        return aid.decode() if aid else None

    def get_registration(self, rid: str) -> dict | None:
        aid = self.activity_of(rid)
        if aid is None:
            return None
        raw = self.redis.hget(self.keys.regs(aid), rid)
        return self.in_clear(json.loads(raw)) if raw else None

    def waitlist_position(self, aid: str, rid: str) -> int | None:
        rank = self.redis.zrank(self.keys.waitlist(aid), rid)
        return None if rank is None else rank + 1

    def registrations_of(self, owner_ref: str) -> list[dict]:
        """Every registration a verified phone made, across the festival ("我的报名")."""
        rids = sorted(r.decode() for r in self.redis.smembers(self.keys.mine(owner_ref)))
        regs = [self.get_registration(rid) for rid in rids]
        return sorted((r for r in regs if r), key=lambda r: r.get("created_at", ""), reverse=True)

    def registrations(self, aid: str) -> list[dict]:
        return [self.in_clear(json.loads(v)) for v in self.redis.hvals(self.keys.regs(aid))]

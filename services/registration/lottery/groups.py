"""The entry side of a v2 lottery group (issue 27, docs/lottery.md "sciday-lottery-v2"): opening a
group, entering it with ranked choices, the freeze and its Merkle root, the signed receipt and
inclusion proof, the group's public information and an entrant's entries (我的报名).

Plain functions over an :class:`Engine` (the registration ports, the group store, the v1 lottery
store for counting losses, the receipt signer, the rules from the settings, the beacon), raising
:class:`~services.registration.vocabulary.Refusal`; no Flask here. The draw side (rounds.py) reads
the same keys (group_store.py).
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from services.registration import vocabulary as v
from services.registration.catalogue import activities
from services.registration.lottery import entry as lottery_entry
from services.registration.lottery import frozen_cache, receipts
from services.registration.lottery import specification_v2 as v2
from services.registration.lottery.group_engine import Engine as Engine  # re-exported
from services.registration.lottery.group_engine import Rules
from services.registration.lottery.group_views import group_info as group_info  # re-exported
from services.registration.lottery.group_views import my_group_entries as my_group_entries
from services.registration.lottery.group_views import opened, receipt_of
from services.registration.ports import Doc
from services.registration.seats import screening


def compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


# -- opening ------------------------------------------------------------------------------------
def session_docs(eng: Engine, activity_ids: Sequence[str]) -> list[Doc]:
    """The sessions' documents: each a lottery activity (``unknown_activity``, ``validation_failed``)."""
    if not activity_ids or len(set(activity_ids)) != len(activity_ids):
        raise v.Refusal(v.VALIDATION_FAILED, field="activity_ids")
    docs = []
    for aid in activity_ids:
        doc = eng.ports.seats.activity_doc(aid, max_age_s=0)
        if doc is None:
            raise v.Refusal(v.UNKNOWN_ACTIVITY, activity_id=aid)
        if not activities.by_lottery(doc):
            raise v.Refusal(v.VALIDATION_FAILED, rules={"allocation": [v.NOT_BY_LOTTERY]}, activity_id=aid)
        docs.append(doc)
    return docs


def freezes(
    rules: Rules, docs: Sequence[Doc], *, closes_at: int, draw_at: int, confirm_hours: int, rounds: int
) -> list[int]:
    """Each round's freeze (whole seconds): round 1's is the close of entries; round 2's is
    ``round2_before_h`` before the first session starts, if that is after round 1's confirmation
    deadline."""
    out = [closes_at]
    first = min(activities.parse(d["starts_at"]).timestamp() for d in docs)
    second = int(first) - rules.round2_before_h * 3600
    if rounds >= 2 and second > draw_at + confirm_hours * 3600:
        out.append(second)
    return out


def open_group(
    eng: Engine,
    gid: str,
    activity_ids: Sequence[str],
    *,
    opens_at: float,
    closes_at: float,
    draw_at: float,
    confirm_hours: int,
    rounds: int | None = None,
    name: str = "",
) -> Doc:
    """Open a group (or change it while entries are open): fix the secret seed and publish its
    commitment, the chain, each round's freeze and beacon round, the weights and the receipt key.
    Times are kept in whole seconds (docs/lottery.md)."""
    if not v2.GROUP_ID.fullmatch(gid):
        raise v.Refusal(v.VALIDATION_FAILED, field="group_id")
    docs = session_docs(eng, activity_ids)
    for aid in activity_ids:
        if eng.lotteries.state(aid) is not None:  # a v1 lottery draws its seats
            raise v.Refusal(v.SESSION_TAKEN, activity_id=aid)
    times = {"opens_at": int(opens_at), "closes_at": int(closes_at), "draw_at": int(draw_at)}
    if not times["opens_at"] < times["closes_at"] <= times["draw_at"]:
        raise v.Refusal(v.VALIDATION_FAILED, field="closes_at")
    fz = freezes(eng.rules, docs, closes_at=times["closes_at"], draw_at=times["draw_at"],
                 confirm_hours=confirm_hours, rounds=eng.rules.rounds if rounds is None else rounds)  # fmt: skip
    seed = v2.new_seed()
    fields = opened_fields(eng, activity_ids, times, fz, confirm_hours=confirm_hours, name=name)
    answer = eng.groups.open(gid, seed, v2.commitment(seed), fields)
    if len(answer) != 64:  # lottery_closed | session_taken
        raise v.Refusal(answer, group_id=gid)
    return group_info(eng, gid)


def opened_fields(
    eng: Engine, activity_ids: Sequence[str], times: dict[str, int], fz: list[int], *, confirm_hours: int,
    name: str
) -> dict[str, str]:  # fmt: skip
    """What group_open.lua writes besides the seed: the group's hash fields, as text."""
    beacon = eng.beacon
    named = [beacon.round_after(f) for f in fz]
    return {
        "sessions": compact(list(activity_ids)),
        "name": name,
        "max_choices": str(eng.rules.max_choices),
        **{k: str(t) for k, t in times.items()},
        # round 2 is drawn once its beacon round is out, never before its freeze (a recorded,
        # replayed round is old: its own time would draw round 2 at once)
        "round2_at": str(max(fz[1], int(beacon.chain.round_time(named[1])))) if len(named) > 1 else "",
        "confirm_hours": str(confirm_hours),
        "festival": "",  # the festival is the deployment (as the per-ID festival cap)
        "chain": compact(beacon.chain.public()),
        "beacon_rounds": compact(named),
        "freezes": compact(fz),
        "weights": compact({"extra": eng.rules.loss_extra, "cap": eng.rules.loss_cap}),
        "receipt_key": eng.signer.public_key_hex(),
    }


# -- entering -----------------------------------------------------------------------------------
def choices_of(form: Mapping[str, Any], sessions: Sequence[str], max_choices: int) -> list[str]:
    """The ranked choices: 1 to ``max_choices`` distinct sessions of the group (``choices_invalid``)."""
    choices = form.get("choices")
    ok = (
        isinstance(choices, list)
        and all(isinstance(c, str) for c in choices)
        and v2.valid_choices(choices, sessions, max_choices)
    )
    if not ok:
        raise v.Refusal(v.CHOICES_INVALID, max_choices=max_choices)
    return list(choices)  # type: ignore[arg-type]


def losses(eng: Engine, owner_ref: str) -> int:
    """Earlier draws of the festival this phone entered and won nothing in: v1 draws (seated or
    settled as won is a win), and the groups' loss record (the draw side adds to it)."""
    if not owner_ref:
        return 0
    lost = eng.groups.group_losses(owner_ref)
    for aid, entry_id in eng.groups.v1_entries_of(owner_ref):
        d = eng.lotteries.get_draw(aid)
        if d is not None and entry_id not in d.seated and eng.lotteries.settled_as(aid, entry_id) != v.WON:
            lost += 1
    return lost


def enter(
    eng: Engine,
    gid: str,
    form: Mapping[str, Any],
    *,
    locale: str = "zh-CN",
    client_address: str = "-",
    session_phone: str | None = None,
) -> Doc:
    """Enter a whole party once for the group, ranking its sessions; every check of a v1 entry
    (lottery_entry.screened) against each chosen session. Returns the entry id, the draw time,
    the token and the signed receipt."""
    p = eng.ports
    asked = screening.count_address(p, form, client_address)  # as registering does
    group = opened(eng, gid)
    choices = choices_of(form, group["sessions"], group["max_choices"])
    docs = session_docs(eng, choices)
    entry, holders = lottery_entry.screened(p, docs[0], form, asked, session_phone)
    for doc in docs[1:]:
        screening.check_form(entry, doc)  # each session's party limit
    now = p.clock.now().timestamp()
    nonce, token = v2.new_nonce(), secrets.token_urlsafe(16)
    public = {
        "entry_id": "e" + secrets.token_hex(8),
        "party_size": int(entry["party_size"]),
        "choices": choices,
        "weight": v2.loss_weight(
            losses(eng, entry["owner_ref"]), group["weights"]["extra"], group["weights"]["cap"]
        ),
        "hour": max(0, math.floor((now - group["opens_at"]) / 3600)),
        "tag": v2.tag(nonce),
    }
    entry.update(
        public=public,
        nonce=nonce,
        entered_at=int(now),
        holders=holders,
        locale=locale,
        token=token,
        manage_url=f"{p.base_url}/me",
    )
    out = eng.groups.add_entry(gid, entry, holders, choices[0], now)
    if out["status"] != v.OK:
        raise v.Refusal(out["reason"])  # never the earlier entry (issue 23)
    return {
        "entry_id": public["entry_id"],
        "group_id": gid,
        "draw_at": group["draw_at"],
        "token": token,
        "receipt": receipt_of(eng, gid, entry),
    }


# -- the freeze and the proof -------------------------------------------------------------------
def freeze(eng: Engine, gid: str, now: float) -> bool:
    """Close entries at ``closes_at`` and commit the frozen set and its Merkle root, once however
    many schedulers race (group_freeze.lua, group_commit.lua). True if this call wrote the root."""
    state = eng.groups.close(gid, now)
    if state == v.UNKNOWN_GROUP:
        raise v.Refusal(v.UNKNOWN_GROUP, group_id=gid)
    if state not in (v.OK, v.LOT_FROZEN) or eng.groups.frozen(gid) is not None:
        return False
    entries = v2.in_order(eng.groups.public_entries(gid))  # nothing enters once frozen
    return eng.groups.commit(gid, entries, v2.tree(entries).root.hex())


def freeze_due(eng: Engine, now: float) -> list[str]:
    """The scheduler's part: freeze every open group whose entries have closed."""
    frozen = []
    for gid in eng.groups.due(now):
        meta = eng.groups.meta(gid) or {}
        if (
            meta.get("state") in (v.LOT_OPEN, v.LOT_FROZEN)
            and not meta.get("merkle_root")
            and freeze(eng, gid, now)
        ):
            frozen.append(gid)
    return frozen


def proof(eng: Engine, gid: str, entry_id: str, *, token: str = "", owner_ref: str = "") -> dict:
    """The entrant's signed inclusion proof (their verified phone or the entry's token), after the
    freeze (``not_frozen`` before)."""
    entry = eng.groups.entry(gid, entry_id)
    if entry is None:
        raise v.Refusal(v.UNKNOWN_ENTRY, entry_id=entry_id)
    by_token = bool(token) and secrets.compare_digest(str(entry.get("token", "")).encode(), token.encode())
    if not by_token and not (owner_ref and owner_ref == entry.get("owner_ref")):
        raise v.Refusal(v.UNAUTHORIZED)
    root = (eng.groups.meta(gid) or {}).get("merkle_root")
    if not root:
        raise v.Refusal(v.NOT_FROZEN, group_id=gid)
    index, tree = frozen_cache.tree_of(gid, root, lambda: eng.groups.frozen(gid))
    if entry_id not in index:  # cannot happen: an entry is written before the freeze or refused
        raise v.Refusal(v.UNKNOWN_ENTRY, entry_id=entry_id)
    return receipts.signed(eng.signer, receipts.inclusion(gid, index[entry_id], entry_id, tree))

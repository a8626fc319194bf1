"""The pages' reads of a v2 lottery group, through the engine (issue 27): the entry side
(groups.py, group_edge.engine()) and the draw side (rounds.py). One place, so the pages hold no
rule of their own and a change of the engine's signatures touches only this module."""

from __future__ import annotations

from typing import Any

from flask import current_app

from services.registration.bootstrap import ports
from services.registration.lottery import group_edge, groups, rounds, rounds_api
from services.registration.vocabulary import Refusal
from services.registration.web import mine as api_mine


def info(gid: str) -> dict:
    """groups.group_info: the group as opened, with the live demand (``unknown_group``)."""
    return groups.group_info(group_edge.engine(), gid)


def public(gid: str) -> dict | None:
    """The public draw JSON (docs/lottery.md), or None before the freeze."""
    try:
        return rounds.public_draw(ports(), rounds_api.store(), gid)
    except Refusal:
        return None


def empty_document(opened: dict) -> dict:
    """The public JSON's shape before the freeze: the sessions, no entries, no rounds."""
    return {
        "group_id": opened["group_id"],
        "opens_at": opened["opens_at"],
        "max_choices": opened["max_choices"],
        "sessions": [
            {"activity_id": s["activity_id"], "capacity": s["capacity"]} for s in opened["sessions"]
        ],
        "entries": [],
        "rounds": [],
    }


def activity(aid: str) -> dict | None:
    return current_app.extensions["sciday.seats"].activity_doc(aid)


def max_choices(gid: str) -> int:
    return int(info(gid)["max_choices"])


def group_of(activity_id: str, asked: str | None) -> dict | None:
    """The group an activity page enters: ``asked`` (``?g=``, from the group page) if the activity
    is one of its sessions, else the group whose session it is (the entry side's index), else the
    group of one (gid = activity id); None if none is open."""
    indexed = group_edge.engine().groups.group_of(activity_id)
    for gid in dict.fromkeys(g for g in (asked, indexed, activity_id) if g):
        try:
            got = info(gid)
        except Refusal:
            continue
        if any(s["activity_id"] == activity_id for s in got["sessions"]):
            return got
    return None


def enter(gid: str, loaded: dict, locale: str) -> dict:
    """Enter as a person does (group_edge.enter): entry id, draw time, token, signed receipt."""
    return group_edge.enter({**loaded, "locale": locale}, gid)


def mine(group_entries: list[dict]) -> list[dict]:
    """我的报名's group entries (web/mine.my_entries: groups.my_group_entries with each round's
    outcome, rounds_mine.with_rounds), each with its group's information."""
    out = []
    for e in group_entries:
        try:
            out.append({**e, "group": info(e["group_id"])})
        except Refusal:
            continue
    return out


def receipt(gid: str, entry_id: str) -> dict | None:
    """The verified phone's own receipt of ``entry_id`` (None if it is not theirs)."""
    _phone, ref = api_mine.owner()
    for e in groups.my_group_entries(group_edge.engine(), ref):
        if e["group_id"] == gid and e["entry_id"] == entry_id:
            return e["receipt"]
    return None


def proof(gid: str, entry_id: str) -> dict[str, Any]:
    """The verified phone's signed inclusion proof (``not_frozen`` before the freeze)."""
    _phone, ref = api_mine.owner()
    return groups.proof(group_edge.engine(), gid, entry_id, owner_ref=ref)

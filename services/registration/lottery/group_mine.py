"""我的报名's lottery-group entries as the page shows them (issue 27): each entry's ranked choices
by title, and its outcome in every round (won + session, not this round + the next round's time,
waitlisted + position, pending + when), with times in the page's language."""

from __future__ import annotations

from collections.abc import Mapping

from services.registration.lottery import group_reads, group_view
from services.registration.web.rendering import lang, local, moment, named


def label(doc: Mapping | None, aid: str) -> str:
    """A session as a line: its title in the page's language and its start."""
    if not doc:
        return aid
    title = doc.get("title") or {}
    text = (title.get("en") if lang() == "en" else None) or title.get("zh") or aid
    return f"{text} · {moment(doc['starts_at'])}" if doc.get("starts_at") else text


def _texts(o: dict, docs: Mapping) -> dict:
    return {
        **o,
        "session_label": label(docs.get(o.get("session", "")), o.get("session", "")),
        "at_text": local(group_view.ts(o["at"])) if o.get("at") else "",
        "next_text": local(group_view.ts(o["next_at"])) if o.get("next_at") else "",
    }


def entries(owner_ref: str) -> list[dict]:
    out = []
    for e in group_reads.mine(owner_ref):
        opened = e["group"]
        docs = {s["activity_id"]: group_reads.activity(s["activity_id"]) for s in opened["sessions"]}
        rounds = e.get("rounds") or group_view.outcomes(e["entry_id"], opened, e["public"])
        first = docs.get(e["choices"][0]) or {}
        out.append(
            {
                **e,
                "group_name": named(e.get("group_name") or first.get("title") or e["group_id"]),
                "choice_docs": [{"activity_id": c, "label": label(docs.get(c), c)} for c in e["choices"]],
                "outcomes": [_texts(o, docs) for o in rounds],
                "has_root": bool(opened.get("merkle_root")),
            }
        )
    return out

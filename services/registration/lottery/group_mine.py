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
    session = o.get("activity_id") or o.get("session") or ""
    return {
        **o,
        "session_label": label(docs.get(session), session),
        "at_text": local(group_view.ts(o["at"])) if o.get("at") else "",
        "next_text": local(group_view.ts(o["next_at"])) if o.get("next_at") else "",
    }


def shown(rounds: list[dict]) -> list[dict]:
    """The engine's rounds as 我的报名 says them: a round after the win is left out, and a round not
    won names the next round's time."""
    kept = [r for r in rounds if r.get("outcome")]
    return [{**r, "next_at": kept[i + 1]["at"] if i + 1 < len(kept) else None} for i, r in enumerate(kept)]


def entries(group_entries: list[dict]) -> list[dict]:
    """The group entries of web/mine.my_entries, with titles, outcomes and times to show."""
    out = []
    for e in group_reads.mine(group_entries):
        opened = e["group"]
        docs = {s["activity_id"]: group_reads.activity(s["activity_id"]) for s in opened["sessions"]}
        first = docs.get(e["choices"][0]) or {}
        out.append(
            {
                **e,
                "group_name": named(e.get("group_name") or first.get("title") or e["group_id"]),
                "choice_docs": [{"activity_id": c, "label": label(docs.get(c), c)} for c in e["choices"]],
                "outcomes": [_texts(o, docs) for o in shown(e.get("rounds") or [])],
                "has_root": bool(opened.get("merkle_root")),
            }
        )
    return out

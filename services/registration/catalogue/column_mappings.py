"""The column mappings an organizer chose on the import page, remembered for their next file.

One Redis hash per organizer (the token's name): ``{prefix}import-columns:<organizer>``, field =
the normalised header as written in the file, value = the canonical column key, or ``""`` for
"ignore this column". Choosing again overwrites; an organizer's memory holds at most
``MAX_REMEMBERED`` headers: past that, choices for headers it already holds still change, new
headers are not kept.
"""

from __future__ import annotations

from services.registration.catalogue.sheet_columns import COLUMNS, normalise

MAX_REMEMBERED = 200
MAX_HEADER_CHARS = 64


class ColumnMemory:
    def __init__(self, redis, prefix: str):
        self.redis, self.prefix = redis, prefix

    def key(self, organizer: str) -> str:
        return f"{self.prefix}import-columns:{organizer}"

    def recall(self, organizer: str) -> dict[str, str]:
        raw = self.redis.hgetall(self.key(organizer))
        return {_s(k): _s(v) for k, v in raw.items() if _s(v) in COLUMNS or _s(v) == ""}

    def remember(self, organizer: str, chosen: dict[str, str]) -> None:
        if not chosen:
            return
        key = self.key(organizer)
        known = set(map(_s, self.redis.hkeys(key)))
        room = MAX_REMEMBERED - len(known)
        fresh = [h for h in chosen if h not in known][: max(room, 0)]
        keep = {h: v for h, v in chosen.items() if h in known or h in fresh}
        if keep:
            self.redis.hset(key, mapping=keep)


def chosen_of(raw: object) -> tuple[dict[str, str], dict[str, list[str]]]:
    """A mapping as the page sends it (header as written -> key or ""), normalised, with the
    errors of any entry naming no known column."""
    chosen: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    if not isinstance(raw, dict):
        return {}, {"columns": ["an object: header -> column key"]}
    if len(raw) > MAX_REMEMBERED:
        return {}, {"columns": [f"at most {MAX_REMEMBERED} columns"]}
    for header, key in raw.items():
        name = normalise(header)
        if not name or len(name) > MAX_HEADER_CHARS:
            errors.setdefault("columns", []).append(f"header {str(header)[:MAX_HEADER_CHARS]!r}")
        elif not isinstance(key, str) or (key and key not in COLUMNS):
            errors.setdefault("columns", []).append(f"{header}: unknown column key {key!r}")
        else:
            chosen[name] = key
    return chosen, errors


def _s(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)

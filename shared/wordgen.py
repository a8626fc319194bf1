"""The one generator of words into Lua and JS, for every service.

Each vocabulary declares its words once, in Python, and says which files carry them to the other
runtimes: a module listed in :data:`SOURCES` holds ``GENERATED``, a tuple of :class:`Generated`
(the file, and the function that returns its text, built with :func:`lua_table`, :func:`lua_file`
and :func:`js_file`). ``python -m shared.wordgen`` rewrites every generated file;
:func:`stale` names those out of date, and ``tests/unit/test_generated_words.py`` fails on any.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from shared.words import Reason

# The modules that declare generated files (imported by name: shared/ depends on no service).
SOURCES = (
    "shared.envelope",
    "services.registration.lua_words",
    "services.checkin.vocabulary",
    "services.checkin.door.rules",  # the door's ordered rules (issue 25 item 4)
    "services.notify.vocabulary",
)
COMMAND = "python -m shared.wordgen"


@dataclass(frozen=True)
class Generated:
    path: Path
    text: Callable[[], str]


def header(path: Path, source: str, comment: str = "--") -> str:
    """The first line of a generated file: what it is, where it comes from, how to remake it."""
    return f"{comment} {path.name}: GENERATED from {source} by `{COMMAND}`; do not edit."


def lua_table(name: str, words: Mapping[str, str], doc: str = "") -> str:
    """``local NAME = { KEY = 'word', ... }``: a word table a Lua script reads (``NAME.KEY``)."""
    for word in words.values():
        if "'" in word or "\\" in word or "\n" in word:
            raise ValueError(f"a word Lua cannot hold as written: {word!r}")
    body = "".join(f"  {k} = '{w}',\n" for k, w in words.items())
    return (f"-- {doc}\n" if doc else "") + f"local {name} = {{\n{body}}}\n"


# The one layout of a service's Lua words: these tables, in this order, then ``SOURCE`` (the
# envelope's source).  A script reads ``STATUS.CONFIRMED``, ``REASON.SOLD_OUT``, ``TOPIC.X_EVENTS``,
# ``EVENT.CHECKIN_RECORDED`` and ``SOURCE``; no word is written in a script as a literal.
LUA_GROUPS: Mapping[str, str] = {
    "STATUS": "statuses and script outcomes",
    "REASON": "reason codes",
    "TOPIC": "topics",
    "EVENT": "event types",
}


def lua_words(head: str, tables: Mapping[str, Mapping[str, str]], source: str | None = None) -> str:
    """A service's generated Lua words: ``head``, then the tables of :data:`LUA_GROUPS` it has,
    then ``local SOURCE = '<source>'``."""
    unknown = set(tables) - set(LUA_GROUPS)
    if unknown:
        raise ValueError(f"Lua word tables are {sorted(LUA_GROUPS)}, not {sorted(unknown)}")
    body = "".join(lua_table(name, tables[name], doc) for name, doc in LUA_GROUPS.items() if name in tables)
    return head + body + (f"local SOURCE = '{source}'\n" if source else "")


def lua_file(head: str, *parts: str) -> str:
    return "\n".join([head, *parts]) if parts else head + "\n"


def js_file(head: str, consts: Mapping[str, object]) -> str:
    """An ES module exporting each constant as JSON (``export const NAME = {...};``)."""
    return f"{head}\n\n" + "\n".join(
        f"export const {name} = {json.dumps(value, ensure_ascii=False, indent=2)};\n"
        for name, value in consts.items()
    )


def js_reasons(table: Mapping[str, Reason]) -> dict[str, object]:
    """A vocabulary's reasons for a script that must speak without a network (the scanner): each
    text in both languages, ``zh`` from the service's catalogue and ``en`` its msgid, placeholders
    as they stand (the script fills them), so a translator still edits only the ``.po`` file."""
    return {
        code: {
            "http": r.http,
            "zh": r.zh,
            "en": r.en,
            "more": {k: {"zh": w.zh, "en": w.en} for k, w in r.more.items()},
        }
        for code, r in table.items()
    }


def generated() -> list[Generated]:
    return [g for name in SOURCES for g in importlib.import_module(name).GENERATED]


def stale() -> list[Path]:
    """The generated files whose text is not what their vocabulary gives now."""
    return [
        g.path for g in generated() if not g.path.exists() or g.path.read_text(encoding="utf-8") != g.text()
    ]


def write() -> list[Path]:
    """Rewrite every generated file that is stale; returns them."""
    changed = stale()
    for g in generated():
        if g.path in changed:
            g.path.write_text(g.text(), encoding="utf-8")
    return changed


if __name__ == "__main__":
    for path in write():
        print(f"wrote {path}")

"""One generator writes every service's words into Lua and JS (shared/wordgen.py).

Fails when a generated file is stale (run ``python -m shared.wordgen``) or when a file says it is
generated but the one generator does not make it (a second generator, or a forgotten file)."""

from __future__ import annotations

import re

from shared import wordgen
from tests.unit import vocab_support as vs

MARK = re.compile(r"\bgenerated\b", re.IGNORECASE)


def test_no_generated_file_is_stale():
    assert [vs.rel(p) for p in wordgen.stale()] == [], "stale: run python -m shared.wordgen"


def test_every_file_that_says_it_is_generated_comes_from_the_one_generator():
    said = {
        vs.rel(path)
        for root in ("services", "shared", "sciday")
        for pattern in ("*.lua", "*.js")
        for path in vs.files(root, pattern)
        if MARK.search(path.read_text(encoding="utf-8").split("\n", 1)[0])
    }
    made = {vs.rel(g.path) for g in wordgen.generated()}
    assert said == made
    assert all(wordgen.COMMAND in g.text().split("\n", 1)[0] for g in wordgen.generated())


def test_a_changed_word_makes_its_file_stale_until_written(tmp_path, monkeypatch):
    path = tmp_path / "words.lua"
    words = {"OK": "ok"}
    made = wordgen.Generated(
        path, lambda: wordgen.lua_file(wordgen.header(path, "x.py"), wordgen.lua_table("V", words))
    )
    monkeypatch.setattr(wordgen, "generated", lambda: [made])
    assert wordgen.write() == [path] and wordgen.stale() == []
    words["NO"] = "no"
    assert wordgen.stale() == [path]
    wordgen.write()
    assert "  NO = 'no',\n" in path.read_text(encoding="utf-8") and wordgen.stale() == []


def test_a_word_lua_cannot_hold_is_refused():
    try:
        wordgen.lua_table("V", {"BAD": "it's"})
    except ValueError:
        return
    raise AssertionError("a quote in a word was written into Lua")


def test_every_service_writes_its_lua_words_in_the_one_layout():
    """STATUS, REASON, TOPIC, EVENT tables (shared/wordgen.py ``LUA_GROUPS``) and SOURCE: no service
    has a layout of its own (until issue 25 check-in and notify wrote one flat ``V`` table)."""
    lua = [g for g in wordgen.generated() if g.path.name in ("words.lua", "vocabulary.lua")]
    assert len(lua) == 3  # registration, check-in, notify
    for g in lua:
        tables = re.findall(r"^local (\w+) = ", g.text(), re.M)
        assert tables and set(tables) <= {*wordgen.LUA_GROUPS, "SOURCE"}, (vs.rel(g.path), tables)
        assert tables == [t for t in [*wordgen.LUA_GROUPS, "SOURCE"] if t in tables], vs.rel(g.path)


def test_a_table_outside_the_layout_is_refused():
    try:
        wordgen.lua_words("-- head\n", {"V": {"OK": "ok"}})
    except ValueError:
        return
    raise AssertionError("a flat V table was written")

"""The check-in and notify vocabularies are the one home of their words.

- the generated files (vocabulary.lua of both services, the scanner's vocabulary.js) are up to date;
- no Lua script, scanner JS file or Python module of the two services writes a status, reason,
  template, topic or event type of its service as a literal: each uses the vocabulary's name;
- every name a Lua script or JS file takes from the vocabulary exists, and every reason code the
  scanner JS sets or compares is in the vocabulary;
- every word the vocabulary holds is used somewhere outside it (no dead words);
- each reason's texts are Chinese in zh and carry no Chinese in en.

Self-contained (tests/unit/vocab_support.py, when it lands from the registration side, can take
the scanning helpers over).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from services.checkin import vocabulary as CV
from services.notify import vocabulary as NV

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"checkin": (ROOT / "services" / "checkin", CV), "notify": (ROOT / "services" / "notify", NV)}
# notify/publisher.py's topic lookup moves to shared/topics.py on the registration/shared side (i12b).
NOT_YET = {ROOT / "services" / "notify" / "delivery" / "publisher.py"}
HAN = re.compile(r"[\u4e00-\u9fff]")


def words(vocab) -> dict[str, str]:
    """Constant name -> word, for every upper-case str constant of a vocabulary module."""
    return {k: v for k, v in vars(vocab).items() if k.isupper() and isinstance(v, str) and k != "HERE"}


def coded(vocab) -> set[str]:
    """The words a literal must not spell: statuses, reasons, templates, the topic, event types."""
    out = set(vocab.REASONS) | set(_topic(vocab))
    out |= set(vocab.STATUSES.values() if isinstance(vocab.STATUSES, dict) else vocab.STATUSES)
    return out | set(getattr(vocab, "TEMPLATES", ())) | set(vocab.EVENT_TYPES)


def _topic(vocab) -> tuple[str, ...]:
    """The topic a service produces, when its vocabulary names it (notify's comes with i12b's work)."""
    return (vocab.TOPIC,) if hasattr(vocab, "TOPIC") else ()


def python_files(service: str) -> list[Path]:
    folder, _ = SERVICES[service]
    return sorted(p for p in folder.rglob("*.py") if p.name != "vocabulary.py" and p not in NOT_YET)


# -- generated files --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "text"),
    [(CV.LUA_PATH, CV.lua()), (CV.JS_PATH, CV.js()), (NV.LUA_PATH, NV.lua())],
    ids=["checkin-lua", "checkin-js", "notify-lua"],
)
def test_the_generated_vocabulary_files_are_up_to_date(path, text):
    assert path.read_text(encoding="utf-8") == text, f"run python -m {path.parent.name} vocabulary: {path}"


# -- literals in Python ------------------------------------------------------------------------
_KEYED = {"status", "reason", "template", "topic", "type", "cause_type"}
_CALLS = {"Refusal", "ApiError", "refuse", "record_denial", "new_event", "outcome_event", "mark_final"}


def _strings(node: ast.AST):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node
    elif isinstance(node, ast.Tuple | ast.List | ast.Set):
        for elt in node.elts:
            yield from _strings(elt)


def coded_literals(tree: ast.AST) -> list[tuple[int, str]]:
    """String literals in places where they would name a status, reason, template or event."""
    found = []
    for node in ast.walk(tree):
        spots: list[ast.AST] = []
        if isinstance(node, ast.Compare):
            spots = [node.left, *node.comparators]
        elif isinstance(node, ast.Dict):
            spots = [
                v for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant) and k.value in _KEYED
            ]
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            spots = [kw.value for kw in node.keywords if kw.arg in _KEYED]
            if name in _CALLS:
                spots += list(node.args)
        elif isinstance(node, ast.Return) and node.value is not None:
            spots = [node.value]
        found += [(s.lineno, s.value) for spot in spots for s in _strings(spot)]
    return found


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_python_uses_the_vocabulary_not_literals(service):
    vocab = SERVICES[service][1]
    banned = coded(vocab)
    offences = []
    for path in python_files(service):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offences += [f"{path.relative_to(ROOT)}:{n}: {w!r}" for n, w in coded_literals(tree) if w in banned]
        # The topic and the service's own event types are never spelt out, wherever they stand.
        offences += [
            f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and node.value in {*_topic(vocab), *vocab.EVENT_TYPES}
        ]
    assert sorted(set(offences)) == []


def test_the_literal_scan_catches_what_it_should():
    tree = ast.parse(
        'if r["status"] == "cancelled": raise Refusal("revoked")\n'
        'x = {"status": "ok", "count": "cancelled"}\n'
        'y = t("已取消", "cancelled")\n'
    )
    assert sorted(w for _, w in coded_literals(tree)) == ["cancelled", "ok", "revoked"]


# -- Lua ---------------------------------------------------------------------------------------
# A hash field named like a word (``HINCRBY stats 'denied' 1`` counts denials) is a field, not
# the word: the first field after a hash command's key is left out; every other literal counts.
_LUA_HASH_FIELD = re.compile(r"redis\.call\('H[A-Z]+',\s*[\w.\[\]]+,\s*'[^']*'")


def lua_coded_literals(code: str) -> list[str]:
    """Quoted strings of Lua code (comment lines already left out), hash field names left out."""
    return re.findall(r"'([^']*)'", _LUA_HASH_FIELD.sub("", re.sub(r"--.*", "", code)))


# a word as the scripts read it: STATUS.OK, REASON.REVOKED, TOPIC.X, EVENT.Y (shared/wordgen.py LUA_GROUPS)
_LUA_NAME = re.compile(r"\b((?:STATUS|REASON|TOPIC|EVENT)\.[A-Z_]+)")


def lua_names(vocab) -> dict[str, str]:
    """``"TABLE.NAME"`` -> word, for every word the service's generated vocabulary.lua holds."""
    return {f"{t}.{n}": w for t, table in vocab.LUA_TABLES.items() for n, w in table.items()}


def lua_scripts(service: str) -> list[Path]:
    folder, _ = SERVICES[service]
    generated = ("vocabulary.lua", "door_rules.lua")  # generated includes (shared/wordgen.py)
    return sorted(p for p in folder.rglob("*.lua") if p.name not in generated)


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_lua_takes_its_words_from_the_include(service):
    vocab = SERVICES[service][1]
    banned = coded(vocab)
    for path in lua_scripts(service):
        code = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("--"))
        assert [w for w in lua_coded_literals(code) if w in banned] == [], path.name
        names = set(_LUA_NAME.findall(code))
        assert names <= set(lua_names(vocab)), f"{path.name}: {names - set(lua_names(vocab))}"
        if names:
            # the service's generated vocabulary.lua, from the script's folder or a package's
            assert re.search(r"^--#include (\.\./)*vocabulary\.lua$", path.read_text(), re.M), path.name


def test_the_lua_scan_catches_a_word_wherever_it_stands():
    code = (
        "redis.call('HINCRBY', STATS, 'denied', 1)\n"  # a counter's field: not the word
        "e.number, e.status = n, 'waiting'  -- 'called' in a comment is fine\n"
        "redis.call('HSET', META, 'state', 'admitted')\n"
    )
    assert lua_coded_literals(code) == ["waiting", "admitted"]


# -- the scanner's JS --------------------------------------------------------------------------
STATIC = ROOT / "services" / "checkin" / "static"
JS = sorted([*(STATIC / "js").glob("*.js"), *STATIC.glob("*.js")])  # the scanner's and the dashboards'
TEMPLATES = sorted((ROOT / "services" / "checkin" / "templates").glob("*.html"))
_JS_REASONS = re.compile(r"""(?:reason\s*(?:===|!==|:|\|\|)\s*|case\s+|refusalText\(\s*)"([a-z_]+)\"""")


def js_code(path: Path) -> str:
    """The file without its comment lines (``//`` and the ``/** … */`` blocks)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith(("//", "/*", "*")))


def test_the_scanner_js_uses_only_known_names_and_no_coded_literals():
    banned = coded(CV)
    for path in JS:
        if path == CV.JS_PATH:
            continue
        code = js_code(path)
        assert [w for w in _JS_REASONS.findall(code) if w not in CV.REASONS] == [], path.name
        assert [w for w in _JS_REASONS.findall(code) if w in banned] == [], f"{path.name}: use REASON.*"
        assert set(re.findall(r"\bREASON\.([A-Z_]+)", code)) <= {c.upper() for c in CV.REASONS}, path.name
        assert set(re.findall(r"\bSTATUS\.([A-Z_]+)", code)) <= set(CV.STATUSES), path.name
        more = set(re.findall(r"\bmore\.([a-z_]+)", code))
        assert more <= {k for r in CV.REASONS.values() for k in r.more}, path.name
        statuses = re.findall(r"\.status\s*[!=]==\s*\"([a-z_]+)\"", code)
        assert statuses == [], f"{path.name}: use STATUS.* for {statuses}"


def test_templates_ask_only_for_known_reasons():
    asked = {
        w for path in TEMPLATES for w in re.findall(r"\breason\(\s*[\"']([a-z_]+)[\"']", path.read_text())
    }
    assert asked and asked <= set(CV.REASONS)


# -- no dead words -------------------------------------------------------------------------------
def used_words(service: str) -> set[str]:
    """Every vocabulary word referred to outside the vocabulary: by name in Python (``V.X`` or an
    imported name), by name in Lua (``V.X``), by name or literal in the scanner's JS."""
    folder, vocab = SERVICES[service]
    table, used = words(vocab), set()
    for path in python_files(service) + ([p for p in NOT_YET if p.is_relative_to(folder)]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
            if isinstance(name, str) and name in table:
                used.add(table[name])
    for path in lua_scripts(service):
        known = lua_names(vocab)
        used |= {known[n] for n in _LUA_NAME.findall(path.read_text()) if n in known}
    if service == "checkin":
        for path in JS:
            if path == CV.JS_PATH:
                continue
            code = js_code(path)
            used |= {CV.STATUSES[n] for n in re.findall(r"\bSTATUS\.([A-Z_]+)", code) if n in CV.STATUSES}
            used |= {n.lower() for n in re.findall(r"\bREASON\.([A-Z_]+)", code)}
    return used


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_word_of_the_vocabulary_is_used(service):
    vocab = SERVICES[service][1]
    declared = coded(vocab)
    assert sorted(declared - used_words(service)) == []


# -- the texts ---------------------------------------------------------------------------------
def test_each_reason_speaks_chinese_in_zh_and_no_chinese_in_en():
    for vocab in (CV, NV):
        for r in vocab.REASONS.values():
            texts = [(r.zh, r.en)] if vocab is NV else [(r.text.zh, r.text.en)]
            texts += [(w.zh, w.en) for w in getattr(r, "more", {}).values()]
            for zh, en in texts:
                assert HAN.search(zh) and not HAN.search(en), (r.code, zh, en)


def test_every_reason_the_api_answers_has_an_error_status():
    for vocab in (CV, NV):
        for code, r in vocab.REASONS.items():
            assert r.http is None or 400 <= r.http < 500, code
            assert 400 <= vocab.http_status(code) < 500


# -- OpenAPI -------------------------------------------------------------------------------------
@pytest.fixture
def specs(tmp_path):
    from services.checkin.app import create_app as checkin_app
    from services.notify.app import create_app as notify_app
    from shared.config import load

    s = load({"keys_dir": tmp_path / "keys", "var_dir": tmp_path, "redis_url": "redis://127.0.0.1:1/0"})
    return {
        name: make(s).test_client().get("/openapi.json").get_json()
        for name, make in (("checkin", checkin_app), ("notify", notify_app))
    }


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_openapi_lists_every_reason_the_api_answers_with_its_status(specs, service):
    """The blueprints' reason lists are generated from the vocabulary (nothing connects here)."""
    vocab = SERVICES[service][1]
    text = " ".join(tag.get("description", "") for tag in specs[service]["tags"])
    for code, reason in vocab.REASONS.items():
        if reason.http is not None:
            assert f"{code} ({reason.http})" in text, code
    if service == "checkin":  # offline-only reasons are the scanner's, never the API's
        assert "unknown_key" not in text and "no_state" not in text


def test_messages_fill_their_details_in_either_language():
    assert (
        CV.message(CV.ALREADY_CHECKED_IN, "en", at="10:05", gate="2号门") == "Already checked in 10:05 2号门"
    )
    assert CV.message(CV.ALREADY_CHECKED_IN, "zh-CN") == "已入场"  # no details: no dangling blanks
    assert CV.message(CV.INVALID_TIME, "zh-CN", CV.TOO_EARLY) == "未到入场时间"
    assert CV.message(CV.FORBIDDEN, "en", CV.OTHER_VENUE) == "This token is for another venue"
    assert NV.message(NV.ACTIVITY_CANCELLED, "en") == "The activity was cancelled."


def test_the_refusals_grouped_under_one_status_share_it():
    from services.checkin.door.api import SCAN_REFUSALS, UNDO_REFUSALS

    for group in (SCAN_REFUSALS, UNDO_REFUSALS):
        assert len({CV.http_status(code) for code in group}) == 1, group

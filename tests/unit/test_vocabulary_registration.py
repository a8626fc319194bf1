"""The registration service and ``shared/`` speak one vocabulary.

Statuses and reason codes live in ``services/registration/vocabulary.py`` (and the common reasons
in ``shared/errors.py``), topics in ``shared/topics.py``, event types in ``shared/events*.py``.
These tests fail when a file writes one of those words as a literal elsewhere, when a Lua script
or a JS file uses a word the vocabulary lacks, when the vocabulary holds a word nothing uses, or
when a generated file (``words.lua``, ``envelope.lua``) is stale.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from services.registration import lua_words
from services.registration import vocabulary as v
from shared import envelope, errors, events, topics
from tests.unit import vocab_support as vs

VOCABULARY_FILES = (
    "services/registration/vocabulary.py",
    "services/registration/vocabulary_queue.py",  # issue 28
    "services/registration/vocabulary_quota.py",  # issue 29
    "services/registration/words.lua",
    "shared/errors.py",
    "shared/events.py",
    "shared/events_v1.py",  # the event types and schemas, split by theme (issue 25)
    "shared/events_allocation.py",
    "shared/events_privacy.py",
    "shared/topics.py",
)
REGISTRATION_TOPICS = [topics.BY_NAME[getattr(topics, n)] for n in lua_words.TOPIC_NAMES]
REGISTRATION_EVENT_TYPES = {t for topic in REGISTRATION_TOPICS for t in topic.event_types}
# Words a file must not write as literals: statuses, reasons, topics and event types. (Script
# outcomes such as "ok" or "create" are too common as plain words to police this way.)
WORDS = (
    set(v.REGISTRATION_STATUSES)
    | set(v.ACTIVITY_STATUSES)
    | set(v.REASONS)
    | set(errors.COMMON_REASONS)
    | {t.name for t in topics.TOPICS}
    | set(events.EVENT_TYPES)
    # the lottery's states, list badges, outcomes and draw steps (issue 15 §1)
    | set(v.LOTTERY_STATES)
    | set(v.LISTED_LOTTERY.values())
    | set(v.LOTTERY_OUTCOMES)
    | set(v.DRAW_STEPS)
    # standby's (check-in's words); "admitted" is also a field name (attendance, CheckinRecorded),
    # so it is policed in the module that reads standby statuses only (below)
    | {v.STANDBY_WAITING, v.STANDBY_CALLED}
)


def registration_lua() -> list[Path]:
    return vs.files("services/registration", "*.lua", exclude=("words.lua",))


def test_words_lua_is_generated_from_the_vocabulary():
    assert lua_words.PATH.read_text(encoding="utf-8") == lua_words.source(), (
        "stale: run python -m shared.wordgen"
    )


def test_envelope_lua_is_generated_from_envelope_py():
    lua = Path(envelope.__file__).with_suffix(".lua")
    assert lua.read_text(encoding="utf-8") == envelope.lua_source(), "stale: run python -m shared.wordgen"


def test_the_envelope_layout_is_the_schema_and_what_new_event_builds():
    assert set(envelope.FIELDS) == set(envelope.EnvelopeSchema().fields)
    from tests.unit.test_contracts import CONFIRMED

    built = envelope.new_event(events.REGISTRATION_CONFIRMED, "imax-1", CONFIRMED, source="test")
    assert tuple(built) == envelope.FIELDS
    assert set(envelope.decode(envelope.encode(built))) == set(envelope.FIELDS)


def test_lua_scripts_use_only_declared_words():
    generated = {
        "STATUS": lua_words.STATUS_NAMES,
        "REASON": tuple(lua_words.reason_names()),
        "TOPIC": lua_words.TOPIC_NAMES,
        "EVENT": tuple(lua_words.event_names()),
    }
    unknown = [
        f"{p}:{n}: {table}.{name}"
        for table, names in generated.items()
        for path in registration_lua()
        for p, n, name in vs.lua_references(path, table)
        if name not in names
    ]
    assert unknown == []
    literals = vs.stray_words((h for path in registration_lua() for h in vs.lua_literals(path)), WORDS)
    assert literals == [], "Lua takes its words from words.lua"


def test_no_status_reason_topic_or_event_type_literal_outside_the_vocabularies():
    python = (
        vs.files("services/registration", "*.py")
        + vs.files("shared", "*.py")
        + [vs.ROOT / "sciday/catalogue.py"]
    )
    hits = [
        h for path in python if not vs.rel(path).endswith(VOCABULARY_FILES) for h in vs.python_literals(path)
    ]
    hits += [
        h
        for path in vs.files("services/registration/templates", "*.html")
        for h in vs.template_literals(path)
    ]
    assert vs.stray_words(hits, WORDS) == []


def test_standby_statuses_are_check_ins_words_and_never_literals():
    from services.checkin import vocabulary as checkin_words

    assert v.STANDBY_STATUSES == checkin_words.STANDBY_STATUSES
    reader = vs.ROOT / "services/registration/web/standby_join.py"
    assert vs.stray_words(vs.python_literals(reader), v.STANDBY_STATUSES) == []


def test_views_refuse_only_with_declared_codes():
    """Every ``Refusal(...)`` / ``ApiError(...)`` names its code by a declared constant."""
    declared = set(vs.constant_names(v, v.REASONS)) | set(vs.constant_names(errors, errors.COMMON_REASONS))
    hits = [h for path in vs.files("services/registration", "*.py") for h in vs.refusal_codes(path)]
    assert hits, "the reader finds the service's refusals"
    # Codes read from an answer, not written here: the seat scripts' (words.lua, checked above)
    # and notify's refusals, which organizer.py relays.
    # import_plan.refusal(reason, ...) looks its code up in v.REASONS, so only declared codes pass.
    passed_through = {
        ("services/registration/seats/keys.py", "?"),
        ("services/registration/catalogue/organizer.py", "?"),
        ("services/registration/catalogue/import_plan.py", "reason"),
        # the lottery scripts' refusals, read from their answer (Refusal checks each is declared)
        ("services/registration/lottery/draw.py", "?"),
        ("services/registration/lottery/draw.py", "reason"),
        ("services/registration/lottery/groups.py", "?"),  # issue 27: group_enter.lua's answer
        ("services/registration/lottery/groups.py", "answer"),  # and group_open.lua's
    }
    bad = [
        f"{p}:{n}: {code}" for p, n, code in hits if code not in declared and (p, code) not in passed_through
    ]
    assert bad == []


def test_js_compares_only_with_declared_words():
    known = WORDS | set(v.FIELD_RULES)
    used = [
        h for path in vs.files("services/registration/static", "*.js") for h in vs.js_compared_words(path)
    ]
    assert [f"{p}:{n}: {w!r}" for p, n, w in used if w not in known] == []


def test_the_vocabulary_holds_no_word_nothing_uses():
    sources = vs.read_all(
        [
            p
            for p in vs.files("services/registration", "*.py")
            + registration_lua()
            + vs.files("services/registration/templates", "*.html")
            if not vs.rel(p).endswith(("vocabulary.py", "lua_words.py"))
        ]
    )
    reasons = vs.constant_names(v, v.REASONS)
    statuses = {
        k: getattr(v, k) for k in ("CONFIRMED", "WAITLISTED", "CANCELLED", "SCHEDULED", "ACTIVITY_CANCELLED")
    }
    rules = vs.constant_names(v, v.FIELD_RULES)
    # the pages' and the lottery's states, outcomes and draw steps, each by its own name
    states = [
        k
        for k in vars(v)
        if k.startswith(("FORM_", "LOT_", "LISTED_LOT_")) and isinstance(getattr(v, k), str)
    ] + ["WON", "BUSY", "TOO_EARLY", "LOST_LEASE", "SKIPPED"]
    assert len(states) == len(v.FORM_STATES) + len(v.LOTTERY_STATES) + len(v.LISTED_LOTTERY) + 5
    assert vs.unused_names([*reasons, *statuses, *rules, *states], sources) == []
    assert set(reasons.values()) == set(v.REASONS), "every reason has a constant"
    assert set(rules.values()) == set(v.FIELD_RULES)
    event_names = vs.constant_names(events, REGISTRATION_EVENT_TYPES)
    assert set(event_names.values()) == REGISTRATION_EVENT_TYPES
    assert vs.unused_names(event_names, sources) == []


def test_event_schemas_name_the_same_statuses_as_the_vocabulary():
    snapshot = events.ActivitySnapshotSchema().fields["status"].validate
    cancelled = events.RegistrationCancelledV1().fields["previous_status"].validate
    assert set(snapshot.choices) == set(v.ACTIVITY_STATUSES)
    assert set(cancelled.choices) == {v.CONFIRMED, v.WAITLISTED}


def test_a_code_both_vocabularies_hold_has_one_status():
    for code in set(v.REASONS) & set(errors.COMMON_REASONS):
        assert v.REASONS[code].http == errors.COMMON_REASONS[code][0], code


def test_every_reason_has_both_languages():
    for reason in v.REASONS.values():
        assert reason.zh and reason.en and reason.zh != reason.en, reason.code
    for code, (_status, en) in errors.COMMON_REASONS.items():  # issue 26: Chinese from the catalogue
        assert errors.common_message(code, "en") == en != errors.common_message(code, "zh-CN"), code


# -- the checks above can fail ---------------------------------------------------------------
def test_the_readers_find_a_stray_word(tmp_path):
    lua = tmp_path / "x.lua"
    lua.write_text("-- 'sold_out' in a comment is fine\nreturn {STATUS.REFUSED, 'sold_out', REASON.NOPE}\n")
    py = tmp_path / "x.py"
    py.write_text('"""Docstring mentions confirmed."""\nX = "confirmed"\n')
    js = tmp_path / "x.js"
    js.write_text('if (a.status === "confirmd") {}  // "cancelled"\n')
    html = tmp_path / "x.html"
    html.write_text("<p>confirmed</p>{% if r.status == 'waitlisted' %}{% endif %}\n")
    assert [w for *_, w in vs.lua_literals(lua)] == ["sold_out"]
    assert [w for *_, w in vs.lua_references(lua, "REASON")] == ["NOPE"]
    assert vs.stray_words(vs.python_literals(py), {"confirmed"}) == [f"{py}:2: 'confirmed'"]
    assert [w for *_, w in vs.js_compared_words(js)] == ["confirmd"]
    assert [w for *_, w in vs.template_literals(html)] == ["waitlisted"]
    assert vs.unused_names(["SOLD_OUT", "NO_TICKET"], {"a": "raise Refusal(v.SOLD_OUT)"}) == ["NO_TICKET"]
    py.write_text('raise ApiError("made_up", "x")\nraise v.Refusal(v.SOLD_OUT)\n')
    assert [code for *_, code in vs.refusal_codes(py)] == ["literal:made_up", "SOLD_OUT"]


@pytest.mark.parametrize("code", sorted(v.REASONS))
def test_each_reason_is_documented_in_openapi(code, openapi):
    described = " ".join(
        r.get("description", "")
        for path in openapi["paths"].values()
        for op in path.values()
        if isinstance(op, dict)
        for r in op.get("responses", {}).values()
    )
    assert code in described.split()


@pytest.fixture(scope="module")
def openapi(tmp_path_factory):
    from services.registration.app import create_app
    from shared.config import load

    # Nothing connects at creation: these addresses are never dialled.
    settings = load(
        {
            "redis_url": "redis://127.0.0.1:1/0",
            "kafka_bootstrap_servers": "127.0.0.1:1",
            "keys_dir": tmp_path_factory.mktemp("keys"),
        }
    )
    return create_app(settings).test_client().get("/openapi.json").get_json()

"""The compiled fast path never accepts what marshmallow refuses (shared/compiled_schemas.py).

Hypothesis draws data near each registered event schema (and the envelope's): right and wrong
types, None, missing keys, values on and off each validator, extra keys.  Wherever the fast path
says yes, marshmallow must load the data.  Where it says no, marshmallow decides, so no property
is needed there; but it must say yes to the events the services really write, or it saves nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError, fields, validate, validates

from shared import events as ev
from shared.compiled_schemas import compile_schema
from shared.envelope import EnvelopeSchema, decode, encode, new_event
from shared.sealed import NOTIFY, Sealer

MISSING = object()
_OFFSETS = st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-3, minutes=-30))])
_ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _near(field: fields.Field) -> st.SearchStrategy:
    """Values a field's own type would take, on and off its validators, and any other JSON value."""
    kind = type(field)
    good: list[st.SearchStrategy] = []
    for v in field.validators:
        if isinstance(v, validate.OneOf):
            good.append(st.sampled_from(list(v.choices)))
        elif isinstance(v, validate.Regexp):
            good.append(st.from_regex(v.regex, fullmatch=True))
        elif isinstance(v, validate.Range):
            good.append(st.integers(int(v.min or 0) - 2, int(v.max or 30) + 2))
        elif isinstance(v, validate.Length):
            good.append(st.text(min_size=max(0, (v.min or 0) - 1), max_size=(v.max or 8) + 2))
    if kind is fields.String:
        good.append(st.text(max_size=12))
    elif kind is fields.Integer:
        good.append(st.integers(-5, 25))
    elif kind is fields.Boolean:
        good.append(st.booleans())
    elif kind is fields.UUID:
        good += [
            st.uuids().map(str),
            st.uuids().map(lambda u: str(u).upper()),
            st.uuids().map(lambda u: u.hex),
        ]
    elif isinstance(field, fields.DateTime):
        aware = st.datetimes(timezones=_OFFSETS).map(lambda d: d.isoformat())
        good += [aware, aware, st.datetimes().map(lambda d: d.isoformat()), st.just("2030-01-01T10:00:00Z")]
    elif kind is fields.Dict:
        good.append(st.dictionaries(st.text(max_size=4), _ANY, max_size=3))
    elif kind is fields.Nested:
        good.append(_data(field.schema))
    elif kind is fields.List:
        good.append(st.lists(st.one_of(_near(field.inner), st.none()), max_size=3))
    return st.one_of(*good, *good, _ANY)


def _good(field: fields.Field) -> st.SearchStrategy:
    """A value marshmallow loads for this field (as far as a strategy can tell)."""
    kind = type(field)
    for v in field.validators:
        if isinstance(v, validate.OneOf):
            return st.sampled_from(list(v.choices))
        if isinstance(v, validate.Regexp):
            return st.from_regex(v.regex, fullmatch=True)
        if isinstance(v, validate.Range):
            return st.integers(
                int(v.min if v.min is not None else -5), int(v.max if v.max is not None else 30)
            )
        if isinstance(v, validate.Length):
            return st.text(min_size=v.min or 0, max_size=v.max or 8)
    if kind is fields.Integer:
        return st.integers(-5, 25)
    if kind is fields.Boolean:
        return st.booleans()
    if kind is fields.UUID:
        return st.uuids().map(str)
    if isinstance(field, fields.DateTime):
        return st.datetimes(timezones=_OFFSETS).map(lambda d: d.isoformat())
    if kind is fields.Dict:
        return st.dictionaries(st.text(max_size=4), _ANY, max_size=3)
    if kind is fields.Nested:
        return _data(field.schema)
    if kind is fields.List:
        return st.lists(_good(field.inner), max_size=3)
    return st.text(max_size=12)


def _data(schema: Schema) -> st.SearchStrategy:
    """A dict for ``schema`` that is good, then zero to two mutations: a key dropped, a value from
    anywhere near its field (wrong type, None, off a validator), or an unknown key added."""
    declared = {f.data_key or name: f for name, f in schema.fields.items()}
    good = st.fixed_dictionaries(
        {k: _good(f) for k, f in declared.items() if f.required},
        optional={k: _good(f) for k, f in declared.items() if not f.required},
    )
    keys = sorted(declared)

    @st.composite
    def mutated(draw: st.DrawFn) -> dict:
        out = dict(draw(good))
        for _ in range(draw(st.integers(0, 2))):
            how = draw(st.integers(0, 4))
            key = draw(st.sampled_from(keys)) if keys else "zz"
            if how == 0:
                out.pop(key, None)
            elif how == 4:
                out[draw(st.sampled_from(["zz", "extra"]))] = draw(_ANY)
            else:
                out[key] = draw(_near(declared[key])) if key in declared else None
        return out

    return mutated()


SCHEMAS = [EnvelopeSchema] + [ev.SCHEMAS[k] for k in sorted(ev.SCHEMAS)]
_BUILT = {cls: cls() for cls in SCHEMAS}
_STRATEGIES = {cls: _data(schema) for cls, schema in _BUILT.items()}


@pytest.mark.parametrize("cls", SCHEMAS, ids=lambda c: c.__name__)
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_fast_path_accepts_only_what_marshmallow_loads(cls, data):
    schema = _BUILT[cls]
    fast = compile_schema(schema)
    assert fast is not None, f"{cls.__name__} is not compiled: every load would go to marshmallow"
    value = data.draw(_STRATEGIES[cls])
    if fast(value):
        schema.load(value)  # raises ValidationError if the fast path was wrong


def _sealed_confirmed(i: int) -> dict:
    from bench.pipeline import confirmed

    ring = Sealer(NOTIFY, {1: b"k" * 32})
    return confirmed("act-1", i, ring)


def test_the_fast_path_accepts_the_events_the_services_write():
    from bench.handlers import _activity
    from bench.pipeline import confirmed

    envelopes = [
        _sealed_confirmed(7),
        confirmed("act-1", 8),  # version 1, fields in clear
        _activity("a1"),  # ActivityPublished, as the bench sends it
        new_event(
            ev.CHECKIN_RECORDED,
            "a1",
            {
                "registration_id": "r1",
                "gate": "东门",
                "checkin_id": "c1",
                "admitted": 2,
                "admitted_total": 2,
                "party_size": 3,
                "checked_in_at": datetime.now(UTC).isoformat(),
            },
        ),
    ]
    envelopes[0]["data"]["members"] = [
        {"name_masked": "张*", "id_type": "resident_id", "id_masked": "1101**"}
    ]
    envelope_check = compile_schema(EnvelopeSchema())
    assert envelope_check is not None
    for e in envelopes:
        assert envelope_check(e), e["type"]
        check = compile_schema(ev.SCHEMAS[(e["type"], e["version"])]())
        assert check is not None and check(e["data"]), e["type"]
        assert decode(encode(e))["data"] == e["data"]


def test_poison_is_still_poison_and_worded_by_marshmallow():
    from shared.envelope import PoisonMessage

    good = _sealed_confirmed(1)
    bad = dict(good, data=dict(good["data"], party_size=True))  # a bool is no party size
    with pytest.raises(PoisonMessage, match="party_size"):
        decode(encode(bad))
    with pytest.raises(PoisonMessage, match="event_id"):
        decode(encode(dict(good, event_id="not-a-uuid")))
    with pytest.raises(PoisonMessage, match="not JSON"):
        decode(b'{"event_id": ')
    # NaN is not JSON to orjson, but the standard library reads it: json decides, as before
    with pytest.raises(PoisonMessage, match="bad envelope"):
        decode(encode(good).replace(b'"version":2', b'"version":NaN'))


def test_what_it_does_not_model_goes_to_marshmallow():
    class WithHook(Schema):
        x = fields.String()

        @validates("x")
        def no_x(self, value, **_kw):
            raise ValidationError("no")

    class WithEmail(Schema):
        e = fields.Email()

    class DateWithRange(Schema):
        d = fields.AwareDateTime(validate=validate.Range(min=datetime(2020, 1, 1, tzinfo=UTC)))

    for cls in (WithHook, WithEmail, DateWithRange):
        assert compile_schema(cls()) is None, cls.__name__


def test_unknown_keys_follow_the_schema():
    class Strict(Schema):  # marshmallow's default: RAISE on an unknown key
        a = fields.Integer(required=True)

    check = compile_schema(Strict())
    assert check is not None
    assert check({"a": 1})
    assert not check({"a": 1, "b": 2})
    assert not check({"a": None}) and not check({}) and not check({"a": True})


def test_an_integer_past_64_bits_is_read_as_json_reads_it():
    """orjson would make it a float; the envelope's data must be what the producer wrote."""
    from bench.handlers import _activity

    e = _activity("a1")
    e["data"]["activity"]["title"]["big"] = 2**70
    assert decode(encode(e))["data"]["activity"]["title"]["big"] == 2**70
    assert type(decode(encode(e))["data"]["activity"]["title"]["big"]) is int

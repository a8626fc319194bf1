"""A fast path for loading event data: checks compiled once from the marshmallow schemas (issue 18).

marshmallow's ``Schema.load`` was a third of the check-in consumer's CPU and a fifth of notify's
(bench/README.md, "Issue 18, session 2").  :func:`compile_schema` turns a schema into one plain
function that answers *True* only when it is sure marshmallow would accept the data; on *False*
the caller asks marshmallow, which decides (and words the error).  So the fast path can only make
a good record cheaper, never turn poison into a good record or the reverse:

- a field type, option or hook it does not know (``@validates``, ``pre_load``, ``only``, a date
  format other than ISO, validators on a field whose loaded value differs from the input...) makes
  the whole schema "not compiled", and every load goes to marshmallow;
- it accepts only the exact JSON types that marshmallow loads unchanged (``str`` for String,
  ``int`` but not ``bool`` for Integer, ``bool`` for Boolean, ``dict`` for Dict / Nested, ``list``
  for List), and runs the field's own validator objects on them;
- required, ``allow_none`` and the schema's ``unknown`` are read from the built schema.

``tests/unit/test_compiled_schemas.py`` checks with Hypothesis that wherever the fast path says
yes, marshmallow says yes, for every registered event schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from marshmallow import EXCLUDE, INCLUDE, Schema, ValidationError, fields
from marshmallow.utils import is_aware

Check = Callable[[Any], bool]
# The canonical text form (what uuid.uuid4() prints); marshmallow's UUID accepts it and more.
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")


class NotCompiled(Exception):
    """Something the fast path does not model: marshmallow loads this schema every time."""


def _with_validators(base: Check, validators: list[Any]) -> Check:
    if not validators:
        return base

    def check(value: Any) -> bool:
        if not base(value):
            return False
        try:
            for validator in validators:
                if validator(value) is False:  # marshmallow treats a False return as invalid
                    return False
        except ValidationError:
            return False
        return True

    return check


def _is_str(value: Any) -> bool:
    return type(value) is str


def _is_int(value: Any) -> bool:
    return type(value) is int  # not bool: marshmallow's Integer refuses True and False


def _is_bool(value: Any) -> bool:
    return type(value) is bool


def _is_dict(value: Any) -> bool:
    return type(value) is dict


def _is_uuid(value: Any) -> bool:
    return type(value) is str and _UUID.match(value) is not None


def _is_aware_iso(value: Any) -> bool:
    if type(value) is not str:
        return False
    try:
        return is_aware(datetime.fromisoformat(value))  # what DateTime(format="iso") calls
    except ValueError:
        return False


def _field(f: Any) -> Check:  # a bound marshmallow field; its attributes depend on its type
    """The check for one field's present, non-None value."""
    validators = list(f.validators)
    kind = type(f)
    if kind is fields.String:
        return _with_validators(_is_str, validators)
    if kind is fields.Integer:
        return _with_validators(_is_int, validators)
    if kind is fields.Boolean:
        return _with_validators(_is_bool, validators)
    if validators:  # the loaded value is not the input (a UUID, a datetime, a copy): not modelled
        raise NotCompiled(f"validators on {kind.__name__}")
    if kind is fields.UUID:
        return _is_uuid
    if kind is fields.AwareDateTime and f.format in (None, "iso") and f.default_timezone is None:
        return _is_aware_iso
    if kind is fields.Dict and f.key_field is None and f.value_field is None:
        return _is_dict
    if kind is fields.Nested and f.only is None and not f.exclude and not f.many:
        nested = f.schema
        return _schema(nested, f.unknown or nested.unknown)
    if kind is fields.List and not isinstance(f.inner, fields.List):
        inner = _field(f.inner)

        def each(value: Any) -> bool:
            return type(value) is list and all(v is not None and inner(v) for v in value)

        return each
    raise NotCompiled(f"field type {kind.__name__}")


def _schema(schema: Schema, unknown: str) -> Check:
    if any(schema._hooks.values()):
        raise NotCompiled(f"{type(schema).__name__} has hooks")
    if schema.only is not None or schema.exclude or schema.partial or schema.many:
        raise NotCompiled(f"{type(schema).__name__} is restricted")
    if unknown not in (EXCLUDE, INCLUDE):  # RAISE: any key it does not declare is an error
        known = {f.data_key or name for name, f in schema.load_fields.items()}
    else:
        known = None
    plan: list[tuple[str, bool, bool, Check]] = []
    for name, f in schema.fields.items():
        if f.dump_only:
            raise NotCompiled(f"{name} is dump-only")
        if name not in schema.load_fields:
            raise NotCompiled(f"{name} is not loaded")
        plan.append((f.data_key or name, bool(f.required), bool(f.allow_none), _field(f)))

    def check(data: Any) -> bool:
        if type(data) is not dict:
            return False
        if known is not None and not known.issuperset(data):
            return False
        for key, required, allow_none, ok in plan:
            if key not in data:
                if required:
                    return False
                continue
            value = data[key]
            if value is None:
                if not allow_none:
                    return False
            elif not ok(value):
                return False
        return True

    return check


def compile_schema(schema: Schema) -> Check | None:
    """A function answering True only for data ``schema.load`` accepts; None if not modelled."""
    try:
        return _schema(schema, schema.unknown)
    except NotCompiled:
        return None

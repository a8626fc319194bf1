"""The one phone rule at every service's edge: a marshmallow field for shared/phone.py."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields

from shared import phone
from shared.i18n import rule


class CanonicalPhone(fields.String):
    """A mainland mobile number, loaded as its canonical 11 ASCII digits (shared/phone.py)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        try:
            return phone.canonical(super()._deserialize(value, attr, data, **kwargs))
        except phone.PhoneInvalid:
            raise ValidationError(rule("mobile")) from None

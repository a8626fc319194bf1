"""Issue 25: check-in's standby join reads the phone by the one rule (shared/phone.py), not a regex
of its own whose ``$`` let ``"13912345678\\n"`` through and which refused ``+86``."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from services.checkin.web.standby_schemas import StandbyJoinIn, StandbyPlaceIn

JOIN = {"phone_sealed": "SX1.notify.1.abc", "party_size": 2}


@pytest.mark.parametrize("typed", ["13912345678\n", "１３９１２３４５６７８", "1391234567"])
def test_a_phone_that_is_not_one_canonical_number_is_refused(typed):
    with pytest.raises(ValidationError) as exc:
        StandbyJoinIn().load(dict(JOIN, phone=typed))
    assert set(exc.value.messages) == {"phone"}


def test_a_phone_with_the_country_code_is_read_as_its_eleven_digits():
    assert StandbyJoinIn().load(dict(JOIN, phone="+86 139 1234 5678"))["phone"] == "13912345678"
    assert StandbyPlaceIn().load({"phone": "0086-13912345678"}) == {"phone": "13912345678"}

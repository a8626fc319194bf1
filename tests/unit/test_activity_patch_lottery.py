"""A PATCH naming only some of a lottery's times: the fuzz test found a 500 (KeyError 'draw_at' in
the schema's checks, as ActivityPatch loads partially); a lottery's times are given whole."""

import pytest
from marshmallow import ValidationError

from services.registration.web.schemas import ActivityPatch


@pytest.mark.parametrize("given", [{}, {"opens_at": "2027-05-01T09:00:00+08:00"}])
def test_a_patch_with_part_of_a_lottery_is_refused_by_field_not_crashed(given):
    with pytest.raises(ValidationError) as err:
        ActivityPatch().load({"starts_at": "2027-05-30T09:00:00+08:00", "lottery": given})
    missing = {"opens_at", "closes_at", "draw_at"} - set(given)
    assert set(err.value.messages["lottery"]) == missing

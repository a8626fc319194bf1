"""Issue 27: a lottery group's outcome events, version 4 of LotteryEntryWon / LotteryEntryWaitlisted.

Version 3's fields (the contact details sealed under the entry's own data key) plus the round
they tell: ``round`` (1, 2, …; ``rounds`` + 1 for seats handed on from the group's waitlist),
``rounds`` (how many the group draws) and ``group_id``. ``activity_id`` is the session won, or for
a party not drawn its first choice; ``position`` its place among the round's winners, or among
those not drawn (in the last round: its place on the group's waitlist). The event id is derived
from "<group>:<entry>:<round>" (services/registration/lottery/group_tell.lua): one per party per
round, whatever is redelivered.
"""

from __future__ import annotations

from typing import Final

from marshmallow import Schema, fields, validate

from shared.events_privacy import SHREDDED_SCHEMAS, SHREDDED_VERSION
from shared.events_v1 import LOTTERY_ENTRY_WAITLISTED, LOTTERY_ENTRY_WON

GROUP_ROUND_VERSION: Final = 4


def _in_a_round(v3: type[Schema]) -> type[Schema]:
    name = v3.__name__.replace("V3", "V4")
    return type(
        name,
        (v3,),
        {
            "round": fields.Integer(required=True, validate=validate.Range(min=1)),
            "rounds": fields.Integer(required=True, validate=validate.Range(min=1)),
            "group_id": fields.String(required=True, validate=validate.Length(min=1)),
        },
    )


GROUP_ROUND_SCHEMAS: dict[tuple[str, int], type[Schema]] = {
    (t, GROUP_ROUND_VERSION): _in_a_round(SHREDDED_SCHEMAS[(t, SHREDDED_VERSION)])
    for t in (LOTTERY_ENTRY_WON, LOTTERY_ENTRY_WAITLISTED)
}

"""Issue 26: a member corrected at registration reaches the door's projection (RegistrationMember
Corrected): the members as corrected, the party's size and status as they were."""

from __future__ import annotations

from services.checkin import vocabulary as V
from shared import events as ev
from tests.unit.door_world import AID, VENUE, DoorWorld, _event, activity
from tests.unit.fakes_checkin import T0

BOOKED = [
    {"name_masked": "王*", "id_type": "resident_id", "id_masked": "1101**********0012"},
    {"name_masked": "李*", "id_type": "resident_id", "id_masked": "1101**********002X"},
]


def corrected(world: DoorWorld, party: int, members: list[dict]) -> None:
    data = {"registration_id": "r1", "venue_id": VENUE, "party_size": party, "name": "王芳"}
    data |= {"phone": "13800000001", "status": V.CONFIRMED, "member": 1, "members": members}
    world.projection.handle(_event(ev.REGISTRATION_MEMBER_CORRECTED, AID, data))


def test_the_door_shows_the_corrected_member_and_keeps_the_party(store_settings, store_redis):
    world = DoorWorld(store_settings, store_redis, T0)
    world.put_activity(activity())
    world.put_registration("r1", V.CONFIRMED, 2, AID, BOOKED)
    fixed = [BOOKED[0], {**BOOKED[1], "name_masked": "赵*"}]
    corrected(world, 2, fixed)
    got = world.projection.registration(AID, "r1")
    assert got["members"] == fixed and got["party_size"] == 2 and got["status"] == V.CONFIRMED
    # a correction of a larger party than the door now has (a drop came between) changes nothing
    corrected(world, 3, BOOKED)
    assert world.projection.registration(AID, "r1")["members"] == fixed

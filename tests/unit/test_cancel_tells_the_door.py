"""Issue 16: a cancellation reaches the door without the event stream. The cancel use case tells
the door port before it answers; a door that cannot be reached never fails the cancellation."""

from __future__ import annotations

import logging

from services.registration.seats import publishing, usecases
from services.registration.seats.door import DoorRevocations
from tests.unit.registration_scenarios import activity_doc

FORM = {"name": "李四", "phone": "13900000001", "party_size": 2, "email": None, "organization": None}


class RecordingDoor:
    def __init__(self) -> None:
        self.told: list[tuple[str, str]] = []

    def revoke(self, activity_id: str, registration_id: str) -> None:
        self.told.append((activity_id, registration_id))


def test_cancelling_tells_the_door_before_answering(new_ports):
    ports = new_ports()
    ports.door = door = RecordingDoor()
    publishing.publish_activity(ports, activity_doc(ports, "act"))
    reg = usecases.register(ports, "act", FORM)
    assert door.told == []
    answer = usecases.cancel(ports, reg["registration_id"], reg["manage_token"])
    assert answer["status"] == "cancelled"
    assert door.told == [("act", reg["registration_id"])]


def test_a_door_that_is_down_costs_a_warning_not_the_cancellation(new_ports, caplog):
    ports = new_ports()
    ports.door = DoorRevocations("http://127.0.0.1:1", b"k" * 32, timeout_s=0.2)  # nothing listens
    publishing.publish_activity(ports, activity_doc(ports, "act"))
    reg = usecases.register(ports, "act", FORM)
    with caplog.at_level(logging.WARNING, logger="sciday.registration.door"):
        answer = usecases.cancel(ports, reg["registration_id"], reg["manage_token"])
    assert answer["status"] == "cancelled"
    # the door's own lines (another test may have turned on registration's INFO lines, which
    # name the registration by design)
    said = "\n".join(r.getMessage() for r in caplog.records if r.name == "sciday.registration.door")
    assert "door not told of a cancellation" in said
    assert reg["registration_id"] not in said and FORM["phone"] not in said

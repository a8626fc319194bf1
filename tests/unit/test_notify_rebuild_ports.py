"""`sciday rebuild notify` (services/notify/batches.Replay) hands every event that is not a
registration's to ``Notices.handle`` with :class:`NoDeliveries` as its deliveries port: that stand-in
must answer every method of the port, or an erasure in the log stops the rebuild."""

from __future__ import annotations

from services.notify.batches import NoDeliveries
from services.notify.usecases import Notices
from tests.unit.fakes_notify import NOW, FakeProjection, FakeReminders


def _event(kind: str, n: int, **data: object) -> dict:
    return {
        "type": kind,
        "event_id": f"e{n}",
        "activity_id": "a1",
        "occurred_at": "2030-03-10T10:00:00+08:00",
        "data": data,
    }


def test_a_rebuild_replays_an_erasure_dropping_the_registrant_and_recording_nothing():
    projection = FakeProjection()
    reminders = FakeReminders(projection)
    notices = Notices(projection, NoDeliveries(), reminders, clock=lambda: NOW)
    notices.handle(_event("RegistrationConfirmed", 1, registration_id="r1", phone="13800000001"))

    recorded = notices.handle(_event("RegistrationErased", 2, registration_id="r1", cause="registrant"))

    assert recorded == 0
    assert projection.regs["a1"]["r1"].get("erased") and "phone" not in projection.regs["a1"]["r1"]

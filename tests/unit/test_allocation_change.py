"""An activity's allocation (first come, first served or lottery) changes only while nothing was
decided the current way: no registration under fcfs, no opened lottery under a lottery."""

from __future__ import annotations

import pytest

from services.registration import vocabulary as v
from services.registration.seats import publishing, usecases
from tests.unit.registration_scenarios import activity_doc

pytestmark = pytest.mark.unit

FORM = {"name": "张三", "phone": "13800000001", "party_size": 2, "organization": "沈阳分院"}


def refused(ports, patch) -> str:
    with pytest.raises(v.Refusal) as err:
        publishing.change_activity(ports, "act", patch)
    return err.value.reason


def test_fcfs_becomes_a_lottery_only_before_anyone_registered(new_ports):
    ports = new_ports()
    publishing.publish_activity(ports, activity_doc(ports))
    usecases.register(ports, "act", FORM)
    assert refused(ports, {"allocation": v.LOTTERY}) == v.ALLOCATION_LOCKED
    fresh = new_ports()
    publishing.publish_activity(fresh, activity_doc(fresh))
    assert publishing.change_activity(fresh, "act", {"allocation": v.LOTTERY})["allocation"] == v.LOTTERY


def test_a_waitlisted_party_locks_it_too(new_ports):
    ports = new_ports()
    publishing.publish_activity(ports, activity_doc(ports, capacity=1, max_party_size=2))
    reg = usecases.register(ports, "act", FORM)  # a party of 2 for 1 seat: waitlisted
    assert reg["status"] == v.WAITLISTED
    assert refused(ports, {"allocation": v.LOTTERY}) == v.ALLOCATION_LOCKED


def test_a_lottery_becomes_fcfs_only_before_it_was_opened(new_ports):
    ports = new_ports()
    opened: set[str] = set()
    ports.lottery_opened = opened.__contains__
    publishing.publish_activity(ports, activity_doc(ports, allocation=v.LOTTERY))
    opened.add("act")
    assert refused(ports, {"allocation": v.FCFS}) == v.ALLOCATION_LOCKED
    opened.clear()
    assert publishing.change_activity(ports, "act", {"allocation": v.FCFS})["allocation"] == v.FCFS


def test_other_changes_are_not_held_up_by_registrations(new_ports):
    ports = new_ports()
    publishing.publish_activity(ports, activity_doc(ports))
    usecases.register(ports, "act", FORM)
    assert publishing.change_activity(ports, "act", {"capacity": 10})["capacity"] == 10
    # naming the allocation it already has is no change
    assert publishing.change_activity(ports, "act", {"allocation": v.FCFS})["allocation"] == v.FCFS

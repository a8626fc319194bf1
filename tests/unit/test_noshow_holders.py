"""Issue 25: a no-show holder (``phone:<hash>``, ``id:<hash>``) is built in one place,
services/registration/noshow/record.py, for the marks and for every look-up (registering, 我的报名, an
organizer's look-up), not again in the use case and the views."""

from __future__ import annotations

import re
from pathlib import Path

from services.registration.noshow import record as noshow

PEPPER, PHONE = "pepper", "13912345678"
REGISTRATION = Path(__file__).resolve().parents[2] / "services" / "registration"
# a holder written by hand: "phone:" + …, f"phone:{…}", f"id:{…}"
HAND_MADE = re.compile(r"""["']phone:["']\s*\+|f["'](?:phone|id):\{""")


def test_the_holder_a_lock_is_looked_up_for_is_the_one_its_marks_go_to():
    phone_hash = noshow.identity_hash(PEPPER, PHONE)
    looked_up = noshow.holders(PEPPER, PHONE, ["a1", "b2"])
    assert looked_up == [noshow.phone_holder(phone_hash), "id:a1", "id:b2"]
    assert noshow.holders_of({"phone_hash": phone_hash}) == looked_up[:1]
    assert noshow.holders_of({"phone_hash": phone_hash, "member_id_hashes": ["a1", "b2"]}) == looked_up[1:]


def test_no_module_but_noshow_writes_a_holder():
    hand_made = {
        f"{path.relative_to(REGISTRATION)}:{n}"
        for path in REGISTRATION.rglob("*.py")
        # verification_store's phone: keys are rate limits, identity's id: a hash's input
        if path.relative_to(REGISTRATION).as_posix()
        not in ("noshow/record.py", "access/verification_store.py", "access/identity.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HAND_MADE.search(line)
    }
    assert hand_made == set()


def test_a_record_without_a_policy_is_checked_by_the_default_rule():
    """Ports.noshow was typed Any: a record wired without a policy crashed the registration (None
    has no window_days) instead of applying the festival's default rule."""
    from datetime import UTC, datetime

    from services.registration.ports import Ports
    from services.registration.seats import screening

    class Clock:
        def now(self) -> datetime:
            return datetime(2026, 12, 7, tzinfo=UTC)

    ports = Ports(seats=None, signer=None, limiter=None, clock=Clock(), base_url="", noshow=object())  # type: ignore[arg-type]
    screening.ensure_unlocked(ports, ["phone:h"], {"phone:h": []})  # no marks: may register

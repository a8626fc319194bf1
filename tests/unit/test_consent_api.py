"""Consent through the JSON API (issue 16's leftover, docs/privacy.md): ``"consent": true`` is kept
as the same proof the form keeps; ``false`` is refused; with ``consent_required`` a body without
it is refused too.  Use cases on the Redis stores; the HTTP shape is in
tests/integration/test_consent_api.py."""

from __future__ import annotations

import pytest

from services.registration import vocabulary as v
from services.registration.lottery import entry as lottery_entry
from services.registration.privacy import consent
from services.registration.seats import publishing, usecases
from tests.unit import test_lottery_entry as lottery
from tests.unit.registration_scenarios import activity_doc

ORG = "中国科学院沈阳分院"


def form(phone: str, **over) -> dict:
    return {"name": "王五", "phone": phone, "party_size": 1, "organization": ORG, **over}


@pytest.fixture
def ports(new_ports):
    p = new_ports()
    publishing.publish_activity(p, activity_doc(p, "open", capacity=10))
    return p


def test_consent_true_is_kept_as_the_forms_proof(ports):
    reg = usecases.register(ports, "open", form("13900000001", consent=True))
    assert ports.seats.get_registration(reg["registration_id"])["consent"] == {
        "given_at": ports.clock.now().isoformat(timespec="seconds"),
        "notice": consent.notice_version(),
        "scope": consent.BASIC,
    }


def test_consent_false_is_refused_with_the_forms_rule(ports):
    with pytest.raises(v.Refusal) as exc:
        usecases.register(ports, "open", form("13900000002", consent=False))
    assert exc.value.reason == v.VALIDATION_FAILED
    assert exc.value.details == {"rules": {"consent": [v.CONSENT_REQUIRED]}}
    # nothing was written: the same phone registers once it consents
    assert usecases.register(ports, "open", form("13900000002", consent=True))["status"] == v.CONFIRMED


def test_a_body_without_consent_is_refused_where_it_is_required(ports):
    ports.consent_required = True
    with pytest.raises(v.Refusal) as exc:
        usecases.register(ports, "open", form("13900000003"))
    assert exc.value.reason == v.VALIDATION_FAILED
    assert exc.value.details["rules"] == {"consent": [v.CONSENT_REQUIRED]}
    # the page's proof, and the API's true, are both consent
    page_proof = consent.proof(ports.clock.now(), real_name=False)
    by_page = usecases.register(ports, "open", form("13900000004", consent=page_proof))
    assert ports.seats.get_registration(by_page["registration_id"])["consent"] == page_proof
    by_api = usecases.register(ports, "open", form("13900000005", consent=True))
    assert ports.seats.get_registration(by_api["registration_id"])["consent"]["scope"] == consent.BASIC


def test_without_the_requirement_a_body_without_consent_keeps_no_proof(ports):
    reg = usecases.register(ports, "open", form("13900000006"))
    assert "consent" not in ports.seats.get_registration(reg["registration_id"])


def test_an_api_lottery_entry_with_consent_gives_the_drawn_registration_a_real_name_proof(new_ports):
    ports, lotteries = lottery.wired(new_ports, capacity=4, real_name=True)
    entry_id = lottery.enter(ports, lotteries, 1, consent=True)["entry_id"]
    given_at = ports.clock.now().isoformat(timespec="seconds")
    lottery.drawn(ports, lotteries)
    lottery_entry.register_outcomes(ports, lotteries, lottery.AID)
    reg = ports.seats.get_registration(lottery_entry.registration_id(lottery.AID, entry_id))
    assert reg["consent"] == {
        "given_at": given_at,
        "notice": consent.notice_version(),
        "scope": consent.REAL_NAME,
    }


def test_an_api_lottery_entry_refusing_consent_is_not_entered(new_ports):
    ports, lotteries = lottery.wired(new_ports, capacity=4)
    with pytest.raises(v.Refusal) as exc:
        lottery.enter(ports, lotteries, 1, consent=False)
    assert exc.value.reason == v.VALIDATION_FAILED
    assert lottery.enter(ports, lotteries, 1)["entry_id"]  # the same phone may still enter

"""The domain kernel's one refusal (shared/refusal.py): every service raises it, each edge answers it.

A spent rate limit is a ``rate_limited`` refusal from the core (shared/ratelimit.py), no longer an
HTTP error: each service's edge answers it exactly as the old ``ApiError(429)`` did."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from services.checkin import vocabulary as CV
from services.checkin.web import edge as checkin_edge
from services.notify.web import edge as notify_edge
from services.registration import vocabulary as RV
from services.registration.web import edge as registration_edge
from shared import errors
from shared.ratelimit import rate_limited, refuse
from shared.refusal import Refusal
from tests.unit import vocab_support as vs


def _answer(install, exc: Exception, lang: str = "zh-CN"):
    app = Flask(__name__)
    errors.install(app)
    install(app)

    @app.get("/")
    def boom():
        raise exc

    r = app.test_client().get("/", headers={"Accept-Language": lang})
    return r.status_code, r.get_json(), r.headers.get("Retry-After")


def _as_before(lang: str):
    """What shared/ratelimit.py answered before: ApiError(429) with Retry-After."""
    old = errors.ApiError(
        errors.RATE_LIMITED,
        errors.common_message(errors.RATE_LIMITED, lang),
        status_code=429,
        headers={"Retry-After": "3"},
        errors={"limit": ["phone"]},
    )
    return _answer(lambda app: None, old, lang)


@pytest.mark.parametrize("install", [registration_edge.install, checkin_edge.install, notify_edge.install])
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_spent_rate_limit_is_answered_by_every_edge_as_before(install, lang):
    before = _as_before(lang)
    assert before[0] == 429 and before[2] == "3"
    assert _answer(install, rate_limited("phone", 2_001), lang) == before


def test_refuse_raises_the_refusal_with_when_to_ask_again():
    refuse(None)  # every limit had room
    with pytest.raises(Refusal) as err:
        refuse(("ip", 1500))
    assert (err.value.reason, err.value.details) == (errors.RATE_LIMITED, {"limit": "ip", "retry_ms": 1500})


def test_a_refusal_with_its_own_words_is_answered_with_them_and_its_reasons_status():
    said = Refusal(CV.VALIDATION_FAILED, message="入口名称无效 / Not a gate name.", errors={"gate": ["1-32"]})
    status, body, _ = _answer(checkin_edge.install, said)
    assert (status, body) == (
        422,
        {
            "status": "error",
            "reason": "validation_failed",
            "message": said.details["message"],
            "errors": {"gate": ["1-32"]},
        },
    )


def test_another_services_refusal_is_passed_on_as_it_answered():
    relayed = Refusal.passed_on("standby_closed", "现场候补已结束", 409)
    status, body, _ = _answer(registration_edge.install, relayed)
    assert (status, body["reason"], body["message"]) == (409, "standby_closed", "现场候补已结束")


def test_an_undeclared_reason_cannot_be_raised_by_any_service():
    with pytest.raises(ValueError):
        Refusal("no_such_reason_anywhere")
    assert Refusal(RV.SOLD_OUT, {"a": 1}, b=2).details == {"a": 1, "b": 2}


def test_there_is_one_refusal_class():
    """No service declares its own refusal or reason class: they raise shared.refusal.Refusal."""
    declared = re.compile(r"^class (\w*(?:Refus|Reason)\w*)\b", re.M)
    found = [
        f"{vs.rel(path)}: {name}"
        for path in vs.files("services", "*.py") + vs.files("shared", "*.py")
        for name in declared.findall(path.read_text(encoding="utf-8"))
    ]
    assert sorted(found) == ["shared/refusal.py: Refusal", "shared/words.py: Reason"]

"""The HTTP edges of check-in and notify: a use case's refusal becomes the one error shape, with
the vocabulary's status and the message in the request's language. No Redis."""

from __future__ import annotations

import pytest
from flask import Flask

from services.checkin import vocabulary as CV
from services.checkin.door.usecases import Refusal
from services.checkin.web import edge as checkin_edge
from services.notify import vocabulary as NV
from services.notify.delivery.usecases import Refusal as NoticeRefusal
from services.notify.web import edge as notify_edge

FIRST = {"first_checked_in_at": "2026-05-30T02:05:00+00:00", "first_gate": "2号门"}


@pytest.fixture
def client():
    app = Flask(__name__)
    checkin_edge.install(app)
    notify_edge.install(app)
    raised = {
        "seen": Refusal(CV.ALREADY_CHECKED_IN, FIRST),
        "early": Refusal(CV.INVALID_TIME, {"side": CV.TOO_EARLY}, CV.TOO_EARLY),
        "venue": Refusal(CV.FORBIDDEN, variant=CV.OTHER_VENUE),
        "gone": Refusal(CV.UNKNOWN_CHECKIN),
        "notice": NoticeRefusal(NV.ACTIVITY_CANCELLED),
    }

    @app.get("/<name>")
    def boom(name):
        raise raised[name]

    return app.test_client()


@pytest.mark.parametrize(
    ("name", "lang", "status", "reason", "message"),
    [
        ("seen", "zh-CN", 409, CV.ALREADY_CHECKED_IN, "已入场 10:05 2号门"),  # the venue's local time
        ("seen", "en", 409, CV.ALREADY_CHECKED_IN, "Already checked in 10:05 2号门"),
        ("early", "zh-CN", 409, CV.INVALID_TIME, "未到入场时间"),
        ("venue", "en", 403, CV.FORBIDDEN, "This token is for another venue"),
        ("gone", "zh-CN", 404, CV.UNKNOWN_CHECKIN, "没有这条入场记录"),
        ("notice", "en", 409, NV.ACTIVITY_CANCELLED, "The activity was cancelled."),
    ],
)
def test_a_refusal_is_answered_by_the_vocabulary(client, name, lang, status, reason, message):
    r = client.get(f"/{name}", headers={"Accept-Language": lang})
    body = r.get_json()
    assert (r.status_code, body["status"], body["reason"], body["message"]) == (
        status,
        "error",
        reason,
        message,
    )
    assert body["errors"] == {}


def test_the_details_travel_with_a_door_refusal(client):
    assert client.get("/seen").get_json()["detail"] == FIRST

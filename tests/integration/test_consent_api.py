"""Consent through the JSON API, over HTTP and real Redis, with fair access on as in production:
``"consent": true`` kept as the form's proof, ``SCIDAY_API_CONSENT_REQUIRED`` refusing a body
without it in the request's language, an Idempotency-Key retry replaying the first answer (the
proof's time is not part of the request's fingerprint), and the field documented in OpenAPI."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.registration.app import create_app
from services.registration.bootstrap import EXTENSION
from services.registration.privacy import consent
from shared.clock import FakeClock
from tests.conftest import activity_doc
from tests.fair_support import member
from tests.integration.test_fair_registration import org, session  # fixtures, shared


def app_with(settings, redis, required: bool):
    return create_app(
        settings.with_overrides(
            require_verified_phone=1,
            rate_limit_ip_per_min=0,
            rate_limit_phone_per_min=0,
            api_consent_required=required,
        ),
        redis_client=redis,
    )


def make(client, org, aid, **over):
    r = client.post("/api/v1/activities", json=activity_doc(aid, **over), headers=org)
    assert r.status_code == 201, r.get_json()


def register(client, headers, aid, **over):
    body = {"name": "张三", "organization": "中国科学院", "party_size": 1, "members": [member(1)]}
    return client.post(f"/api/v1/activities/{aid}/registrations", json={**body, **over}, headers=headers)


def stored(app, rid: str) -> dict:
    return app.extensions["sciday.seats"].get_registration(rid)


@pytest.mark.parametrize(
    ("locale", "text"), [("zh-CN", "请阅读并勾选同意"), ("en", "Read and tick your consent")]
)
def test_a_body_without_consent_is_refused_where_it_is_required(settings, redis, org, session, locale, text):
    app = app_with(settings, redis, required=True)
    client = app.test_client()
    make(client, org, "cons-req", real_name=True)
    r = register(client, session("13800138001"), "cons-req", locale=locale)
    body = r.get_json()
    assert r.status_code == 422, body
    assert (body["status"], body["reason"]) == ("error", "validation_failed")
    assert list(body["errors"]) == ["consent"] and text in body["errors"]["consent"][0]
    # the same person, consenting: registered, with the proof of a real-name consent
    ok = register(client, session("13800138001"), "cons-req", locale=locale, consent=True)
    assert ok.status_code == 201, ok.get_json()
    proof = stored(app, ok.get_json()["registration_id"])["consent"]
    assert proof["notice"] == consent.notice_version() and proof["scope"] == consent.REAL_NAME


def test_consent_false_is_refused_even_where_none_is_required(settings, redis, org, session):
    client = app_with(settings, redis, required=False).test_client()
    make(client, org, "cons-false", real_name=True)
    r = register(client, session("13800138002"), "cons-false", consent=False)
    assert r.status_code == 422 and r.get_json()["reason"] == "validation_failed"
    assert "consent" in r.get_json()["errors"]
    r = register(client, session("13800138002"), "cons-false", consent="yes")  # a boolean, not text
    assert r.status_code == 422 and r.get_json()["reason"] == "validation_failed"


def test_a_retry_with_the_same_key_replays_the_first_answer_and_proof(settings, redis, org, session):
    app = app_with(settings, redis, required=True)
    client = app.test_client()
    make(client, org, "cons-idem", real_name=True)
    me = {**session("13800138003"), "Idempotency-Key": "consent-retry-1"}
    # the retry comes a minute later: a proof made before the fingerprint would differ by then
    app.extensions[EXTENSION].clock = clock = FakeClock(datetime.now(UTC))
    first = register(client, me, "cons-idem", consent=True)
    assert first.status_code == 201, first.get_json()
    clock.advance(minutes=1)
    replay = register(client, me, "cons-idem", consent=True)
    assert replay.status_code == 201 and replay.get_json() == first.get_json()
    assert stored(app, first.get_json()["registration_id"])["consent"]["scope"] == consent.REAL_NAME


def test_openapi_documents_the_consent_field(settings, redis):
    spec = app_with(settings, redis, required=False).test_client().get("/openapi.json").get_json()
    field = spec["components"]["schemas"]["RegistrationIn"]["properties"]["consent"]
    assert field["type"] == "boolean"
    assert "SCIDAY_API_CONSENT_REQUIRED" in field["description"] and "/privacy" in field["description"]

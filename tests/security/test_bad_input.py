"""A corpus of nasty inputs: each gets a 4xx with a reason, and nothing is stored."""

from __future__ import annotations

import json

import pytest

from services.registration.app import create_app
from shared.auth import create_token
from tests.conftest import activity_doc

GOOD = {"name": "张三", "phone": "13800000001", "organization": "科学院", "party_size": 2}

CORPUS = [
    ("wrong type: party_size string", dict(GOOD, party_size="2"), 422),
    ("wrong type: name number", dict(GOOD, name=123), 422),
    ("wrong type: body is a list", [GOOD], 422),
    ("wrong type: body is a string", "hello", 422),
    ("missing name", {k: v for k, v in GOOD.items() if k != "name"}, 422),
    ("missing phone", {k: v for k, v in GOOD.items() if k != "phone"}, 422),
    ("extra field", dict(GOOD, is_admin=True), 422),
    ("emoji name", dict(GOOD, name="😀😀"), 422),
    ("bidi override in name", dict(GOOD, name="\u202eevil"), 422),
    ("zero-width joiner in name", dict(GOOD, name="张\u200d三"), 422),
    ("NUL byte in name", dict(GOOD, name="张\x00三"), 422),
    ("NUL byte in organization", dict(GOOD, organization="科学\x00院"), 422),
    ("digits as name", dict(GOOD, name="12345"), 422),
    ("51-char name", dict(GOOD, name="张" * 51), 422),
    ("11 digits, not a mobile", dict(GOOD, phone="12012345678"), 422),
    ("landline", dict(GOOD, phone="02412345678"), 422),
    ("phone with a trailing newline", dict(GOOD, phone="13800000001\n"), 422),
    ("phone in full-width digits", dict(GOOD, phone="１３８００００００１"), 422),
    ("phone in Arabic-Indic digits", dict(GOOD, phone="١٣٨٠٠٠٠٠٠٠١"), 422),
    ("phone with a zero-width space", dict(GOOD, phone="138\u200b00000001"), 422),
    ("party size 0", dict(GOOD, party_size=0), 422),
    ("party size -1", dict(GOOD, party_size=-1), 422),
    ("party size over the limit", dict(GOOD, party_size=5), 422),
    ("party size huge", dict(GOOD, party_size=10**12), 422),
    ("party size float", dict(GOOD, party_size=2.5), 422),
    ("bad locale", dict(GOOD, locale="fr"), 422),
    ("bad email", dict(GOOD, email="a@"), 422),
]


@pytest.fixture
def client(settings, redis):
    app = create_app(settings.with_overrides(rate_limit_ip_per_min=0, rate_limit_phone_per_min=0))
    c = app.test_client()
    org = {"Authorization": "Bearer " + create_token(redis, settings.redis_prefix, "organizer", "o")}
    assert c.post("/api/v1/activities", json=activity_doc("nasty"), headers=org).status_code == 201
    return c


def _nothing_stored(client):
    act = client.get("/api/v1/activities/nasty").get_json()
    assert (act["seats_taken"], act["waitlist_length"]) == (0, 0), act


def _error(resp, status):
    body = resp.get_json()
    assert resp.status_code == status, (resp.status_code, body)
    assert set(body) >= {"status", "reason", "message", "errors"} and body["status"] == "error"
    assert body["reason"] and body["reason"] == body["reason"].lower()
    return body


@pytest.mark.parametrize("label, body, status", CORPUS, ids=[c[0] for c in CORPUS])
def test_nasty_json_bodies(client, label, body, status):
    _error(client.post("/api/v1/activities/nasty/registrations", json=body), status)
    _nothing_stored(client)


@pytest.mark.parametrize("typed", ["138 0000 0001", "+86 138-0000-0001", "0086 13800000001"])
def test_what_people_type_is_stored_as_the_canonical_number(client, typed):
    """Issue 14: spaces, dashes and the country code are accepted, and stored as 11 digits, so a
    variant of one number is the same number to dedupe and limits."""
    r = client.post("/api/v1/activities/nasty/registrations", json=dict(GOOD, phone=typed))
    assert r.status_code == 201, r.get_json()
    again = client.post("/api/v1/activities/nasty/registrations", json=dict(GOOD, phone="13800000001"))
    assert _error(again, 409)["reason"] == "already_registered"


def test_a_1mb_name_is_refused_before_parsing(client):
    body = json.dumps(dict(GOOD, name="张" * (1024 * 1024 // 3)))
    b = _error(
        client.post("/api/v1/activities/nasty/registrations", data=body, content_type="application/json"), 413
    )
    assert b["reason"] == "payload_too_large"
    _nothing_stored(client)


@pytest.mark.parametrize("raw", [b"{", b'{"name": }', b"\xff\xfe\x00", b"null", b"[]", b'""'])
def test_malformed_json(client, raw):
    resp = client.post("/api/v1/activities/nasty/registrations", data=raw, content_type="application/json")
    assert _error(resp, resp.status_code)["reason"] in ("malformed_json", "validation_failed")
    assert resp.status_code in (400, 422)
    _nothing_stored(client)


@pytest.mark.parametrize(
    "ctype",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml"],
)
def test_wrong_content_type(client, ctype):
    b = _error(
        client.post("/api/v1/activities/nasty/registrations", data=json.dumps(GOOD), content_type=ctype), 415
    )
    assert b["reason"] == "unsupported_media_type"
    _nothing_stored(client)


@pytest.mark.parametrize("key", ["k" * 129, "k" * 100_000, "bad\x01key"])
def test_bad_idempotency_keys(client, key):
    resp = client.post("/api/v1/activities/nasty/registrations", json=GOOD, headers={"Idempotency-Key": key})
    assert resp.status_code in (400, 422, 431), resp.status_code
    if resp.is_json:
        _error(resp, resp.status_code)
    _nothing_stored(client)


def test_arabic_and_latin_names_are_people_too(client):
    assert (
        client.post("/api/v1/activities/nasty/registrations", json=dict(GOOD, name="محمد")).status_code == 201
    )
    assert (
        client.post(
            "/api/v1/activities/nasty/registrations", json=dict(GOOD, name="Marie Curie", phone="13800000002")
        ).status_code
        == 201
    )

"""schemathesis against every service's OpenAPI document: zero 5xx, and every error body has the
one error shape. Runs in-process over WSGI against real Redis, with an organizer token."""

from __future__ import annotations

import importlib
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from shared.auth import create_token
from shared.config import load
from shared.redis_scripts import connect
from tests.conftest import activity_doc

SNAKE = set("abcdefghijklmnopqrstuvwxyz_")
ERROR_KEYS = {"status", "reason", "message", "errors"}


def _schema_for(service: str, servers, tmp_path_factory):
    tag = uuid.uuid4().hex[:8]
    s = load(
        {
            "redis_url": servers["redis_url"],
            "kafka_bootstrap_servers": servers["kafka"],
            "redis_prefix": f"fz{tag}:",
            "topic_prefix": f"fz{tag}.",
            "keys_dir": tmp_path_factory.mktemp("keys"),
            "rate_limit_ip_per_min": 0,
            "rate_limit_phone_per_min": 0,
            "rate_limit_token_per_min": 0,
        }
    )
    app = importlib.import_module(f"services.{service}.app").create_app(s)
    token = create_token(connect(s.redis_url), s.redis_prefix, "organizer", "fuzzer")
    app.config["FUZZ_AUTH"] = {"Authorization": f"Bearer {token}"}
    if service == "registration":  # something real to poke at
        app.test_client().post(
            "/api/v1/activities", json=activity_doc("fuzz"), headers=app.config["FUZZ_AUTH"]
        )
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


@pytest.fixture(scope="module")
def registration_schema(servers, tmp_path_factory):
    return _schema_for("registration", servers, tmp_path_factory)


@pytest.fixture(scope="module")
def checkin_schema(servers, tmp_path_factory):
    return _schema_for("checkin", servers, tmp_path_factory)


@pytest.fixture(scope="module")
def notify_schema(servers, tmp_path_factory):
    return _schema_for("notify", servers, tmp_path_factory)


def _check(case, steer: bool):
    app = case.operation.schema.app
    # Half the cases aim at the real activity, so generated bodies reach the seat script
    # (Hypothesis draws the choice, so a run is reproducible).
    if case.path_parameters and "activity_id" in case.path_parameters and steer:
        case.path_parameters["activity_id"] = "fuzz"
        if isinstance(case.body, dict) and "name" in case.body:
            case.body["name"] = "张三"  # random text rarely passes the letters-only rule
    for auth in (app.config["FUZZ_AUTH"], {}):
        response = case.call(headers=auth)
        if response.status_code == 503 and response.json().get("reason") in (
            "notify_unavailable",
            "sms_unavailable",
            "beacon_unavailable",
        ):
            # the organizer's notice hand-off and the SMS code: the notify service does not run here;
            # a beacon round (issue 27): no relay here has a generated round
            continue
        assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:500])
        if response.status_code >= 400:
            body = response.json()
            assert isinstance(body, dict) and set(body) >= ERROR_KEYS, body
            assert body["status"] == "error" and set(body["reason"]) <= SNAKE, body
            assert isinstance(body["message"], str) and isinstance(body["errors"], dict), body


FUZZ = hsettings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,  # the same cases every run: a failure here is reproducible, not luck
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _fuzz(schema) -> int:
    """Every operation, each with Hypothesis-generated cases from schemathesis's strategies.

    (schemathesis's own pytest plugin does not run under pytest 9, so the strategies are driven
    directly; the checks are ours, below.)"""
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    for operation in operations:

        @FUZZ
        @given(case=operation.as_strategy(), steer=st.booleans())
        def run(case, steer):
            _check(case, steer)

        run()
    return len(operations)


def test_registration_api_never_5xx(registration_schema):
    assert _fuzz(registration_schema) >= 8


def test_checkin_api_never_5xx(checkin_schema):
    assert _fuzz(checkin_schema) >= 4


def test_notify_api_never_5xx(notify_schema):
    assert _fuzz(notify_schema) >= 1

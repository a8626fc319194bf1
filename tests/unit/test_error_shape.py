"""One error shape for every failure, whatever raised it. No server is contacted here."""

from __future__ import annotations

import pytest
from flask import abort

from shared.config import load
from shared.errors import ApiError
from shared.web import make_app


@pytest.fixture
def client():
    # Nothing connects at import or creation time: these addresses are never dialled.
    app, _api = make_app(
        "test",
        load(
            {
                "redis_url": "redis://127.0.0.1:1/0",
                "kafka_bootstrap_servers": "127.0.0.1:1",
                "max_request_bytes": 1024,
            }
        ),
        title="t",
        description="t",
    )

    @app.post("/api/v1/echo")
    def echo():
        from flask import request

        return {"got": request.get_json()}

    @app.get("/refuse")
    def refuse():
        raise ApiError("sold_out", "名额已满", status_code=409)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals 13812345678")

    @app.get("/teapot")
    def teapot():
        abort(418)

    return app.test_client()


def _is_error(resp, status, reason):
    body = resp.get_json()
    assert resp.status_code == status, (resp.status_code, body)
    assert set(body) == {"status", "reason", "message", "errors"}, body
    assert body["status"] == "error" and body["reason"] == reason
    assert isinstance(body["message"], str) and body["message"]
    return body


def test_unknown_path_is_404_not_found(client):
    _is_error(client.get("/nope"), 404, "not_found")


def test_wrong_method_is_405(client):
    resp = client.delete("/refuse")
    _is_error(resp, 405, "method_not_allowed")
    assert "GET" in resp.headers["Allow"]


def test_too_large_is_413(client):
    _is_error(
        client.post("/api/v1/echo", data=b"x" * 5000, content_type="application/json"),
        413,
        "payload_too_large",
    )


def test_malformed_json_is_400(client):
    _is_error(
        client.post("/api/v1/echo", data=b"{oops", content_type="application/json"), 400, "malformed_json"
    )


def test_wrong_content_type_is_415(client):
    _is_error(
        client.post("/api/v1/echo", data=b"a=1", content_type="application/x-www-form-urlencoded"),
        415,
        "unsupported_media_type",
    )


def test_domain_refusal_keeps_its_reason(client):
    _is_error(client.get("/refuse"), 409, "sold_out")


def test_an_unexpected_exception_is_500_without_a_trace(client):
    body = _is_error(client.get("/boom"), 500, "internal_error")
    assert "secret" not in body["message"] and "Traceback" not in str(body)


def test_other_http_errors_still_use_the_shape(client):
    _is_error(client.get("/teapot"), 418, "bad_request")


def test_health_reports_redis_unavailable(client):
    _is_error(client.get("/healthz"), 503, "redis_unavailable")


def test_pages_get_security_headers(client):
    resp = client.get("/nope")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"


def test_a_redis_outage_is_503_redis_unavailable_with_retry_after(client):
    # the app's Redis points at a closed port: any store call fails to connect
    from flask import current_app

    app = client.application

    @app.get("/touch-store")
    def touch():
        current_app.extensions["sciday.redis"].get("x")
        return {}

    resp = client.get("/touch-store")
    _is_error(resp, 503, "redis_unavailable")
    assert resp.headers["Retry-After"] == "1"


@pytest.mark.parametrize(
    "raised",
    [
        "ReadOnlyError",  # a plain write sent to a replica
        "ScriptReadOnly",  # a Lua write on a Redis 6 replica: a generic script error
    ],
)
def test_a_replica_during_failover_is_503_redis_unavailable_not_500(client, raised):
    import redis

    errs = {
        "ReadOnlyError": redis.exceptions.ReadOnlyError("You can't write against a read only replica."),
        "ScriptReadOnly": redis.ResponseError(
            "Error running script (call to f_1): @user_script:1: -READONLY You can't write against a "
            "read only replica."
        ),
    }
    app = client.application

    @app.get("/replica")
    def replica():
        raise errs[raised]

    resp = client.get("/replica")
    _is_error(resp, 503, "redis_unavailable")
    assert resp.headers["Retry-After"] == "1"


def test_any_other_redis_error_is_still_a_500_without_a_trace(client):
    import redis

    app = client.application

    @app.get("/wrongtype")
    def wrongtype():
        raise redis.ResponseError("WRONGTYPE Operation against a key holding the wrong kind of value")

    body = _is_error(client.get("/wrongtype"), 500, "internal_error")
    assert "WRONGTYPE" not in str(body)

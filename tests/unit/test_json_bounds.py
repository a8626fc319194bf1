"""Issue 16, "Input": a JSON body nested 1,000 levels deep, or holding an integer of more than
4,300 digits, is refused with a 400 in the one error shape on every JSON endpoint of the three
services, and nothing is logged as an unhandled error (no traceback). No server is contacted."""

from __future__ import annotations

import logging
import re

import pytest

from shared.config import load
from shared.jsonlimits import MAX_DEPTH, too_complex

DEEP = b"[" * 1000 + b"]" * 1000
DEEP_OBJECT = b'{"a":' * 1000 + b"1" + b"}" * 1000
LONG_INT = b'{"party_size": ' + b"9" * 4400 + b"}"
BODIES = {"deep": DEEP, "deep_object": DEEP_OBJECT, "long_int": LONG_INT}


def _apps(tmp_path):
    from services.checkin.app import create_app as checkin
    from services.notify.app import create_app as notify
    from services.registration.app import create_app as registration

    settings = load(
        {
            "redis_url": "redis://127.0.0.1:1/0",  # never dialled: the body is refused first
            "kafka_bootstrap_servers": "127.0.0.1:1",
            "keys_dir": tmp_path,
        }
    )
    return {"registration": registration(settings), "checkin": checkin(settings), "notify": notify(settings)}


def _json_endpoints(app):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        for method in sorted((rule.methods or set()) & {"POST", "PUT", "PATCH"}):
            yield method, re.sub(r"<(?:[^:>]+:)?[^>]+>", "x1", rule.rule)


@pytest.fixture(scope="module")
def apps(tmp_path_factory):
    return _apps(tmp_path_factory.mktemp("keys"))


@pytest.mark.parametrize("body", sorted(BODIES))
def test_every_json_endpoint_answers_400_without_a_traceback(apps, body, caplog):
    seen = dict.fromkeys(apps, 0)
    for name, app in apps.items():
        client = app.test_client()
        for method, path in _json_endpoints(app):
            caplog.clear()
            with caplog.at_level(logging.WARNING):
                r = client.open(path, method=method, data=BODIES[body], content_type="application/json")
            got = r.get_json()
            assert r.status_code == 400, (name, method, path, r.status_code, got)
            assert got["status"] == "error" and got["reason"] == "json_too_complex", (name, path, got)
            assert set(got) == {"status", "reason", "message", "errors"} and got["message"]
            assert not [rec for rec in caplog.records if rec.exc_info], (name, path, caplog.text[:500])
            seen[name] += 1
    assert min(seen.values()) >= 1 and sum(seen.values()) >= 15, seen  # not an empty list


def test_the_message_follows_the_language(apps):
    client = apps["registration"].test_client()
    path = next(p for m, p in _json_endpoints(apps["registration"]) if "registrations" in p)
    zh = client.post(path, data=DEEP, content_type="application/json").get_json()
    en = client.post(path, data=DEEP, content_type="application/json", headers={"Accept-Language": "en"})
    assert zh["message"] == "请求内容嵌套过深或数字过长。"
    assert en.get_json()["message"].startswith("The JSON body is nested too deeply")


@pytest.mark.parametrize(
    ("body", "refused"),
    [
        ('{"members": [{"name": "张三", "id": {"type": "x"}}], "party_size": 2}'.encode(), False),
        (b'{"phone": "13800000000", "code": 123456}', False),
        (b'{"note": "' + b"[" * 500 + b"9" * 5000 + b'"}', False),  # text, not structure
        (b'{"a": "\\"[[[[", "b": 1}', False),  # an escaped quote does not end the string
        (b"[" * MAX_DEPTH + b"]" * MAX_DEPTH, False),
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), True),
        (b'{"x": 1' + b"0" * 64 + b"}", True),
    ],
)
def test_the_bounds_measure_structure_not_text(body, refused):
    assert too_complex(body) is refused

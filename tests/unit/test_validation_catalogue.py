"""Validation errors of the check-in and notify APIs come from the one catalogue keyed by field
rule (shared/i18n.py RULES), in the request's language, with no English on a Chinese answer."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.views import MethodView
from flask_smorest import Api, Blueprint

from services.checkin.web.schemas import CheckinIn, GateQuery
from services.notify.web.api_notices import NoticeIn
from shared import errors

HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORDS = re.compile(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}")


@pytest.fixture
def client():
    app = Flask(__name__)
    app.config.update(API_TITLE="t", API_VERSION="1", OPENAPI_VERSION="3.0.3")
    api = Api(app)
    blp = Blueprint("v", __name__)

    def echo(schema, location="json"):
        class View(MethodView):
            @blp.arguments(schema, location=location)
            def post(self, body):
                return {"ok": True}

            get = post

        return View

    blp.add_url_rule("/checkins", view_func=echo(CheckinIn).as_view("checkins"))
    blp.add_url_rule("/notices", view_func=echo(NoticeIn).as_view("notices"))
    blp.add_url_rule("/state", view_func=echo(GateQuery, "query").as_view("state"))
    api.register_blueprint(blp)
    errors.install(app)
    return app.test_client()


def post(client, path, body, lang):
    r = client.post(path, json=body, headers={"Accept-Language": lang})
    assert r.status_code == 422, r.get_json()
    got = r.get_json()
    assert got["status"] == "error" and got["reason"] == "validation_failed"
    return got


def test_each_rule_of_the_scan_has_its_words_in_both_languages(client):
    body = {
        "code": "",
        "gate": "1号门\x07",
        "admit": 0,
        "nonce": "x" * 65,
        "scanned_at": "2026-05-30T10:00",
        "x": 1,
    }
    zh = post(client, "/checkins", body, "zh-CN")
    assert zh["message"] == "部分字段填写有误。"
    assert zh["errors"] == {
        "code": ["长度应在 1 到 400 个字符之间"],
        "gate": ["含有不允许的字符"],
        "admit": ["应在 1 到 255 之间"],
        "nonce": ["长度应在 1 到 64 个字符之间"],
        "scanned_at": ["时间格式不正确"],  # a time without its zone
        "x": ["不认识的字段"],
    }
    en = post(client, "/checkins", body, "en")
    assert en["message"] == "Some fields are not valid."
    assert en["errors"]["code"] == ["Must be 1 to 400 characters long."]
    assert en["errors"]["admit"] == ["Must be between 1 and 255."]
    assert all(not HAN.search(m) for ms in en["errors"].values() for m in ms)


def test_missing_and_mistyped_fields(client):
    zh = post(client, "/checkins", {"admit": "2", "scanned_at": "soon"}, "zh-CN")
    assert zh["errors"] == {
        "code": ["必填项"],
        "gate": ["必填项"],
        "admit": ["应为整数"],
        "scanned_at": ["时间格式不正确"],
    }
    assert post(client, "/checkins", {"code": None, "gate": "g"}, "en")["errors"] == {
        "code": ["May not be empty."]
    }


def test_a_notice_and_a_query_are_answered_the_same_way(client):
    zh = post(client, "/notices", {"activity_id": "Not A Slug", "message_zh": "", "message_en": 3}, "zh-CN")
    assert zh["errors"] == {
        "activity_id": ["格式不正确"],
        "message_zh": ["长度应在 1 到 500 个字符之间"],
        "message_en": ["应为文本"],
    }
    r = client.get("/state?gate=" + "g" * 40, headers={"Accept-Language": "en"})
    assert r.status_code == 422 and r.get_json()["errors"] == {
        "gate": ["Must be at most 32 characters long."]
    }


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_no_answer_mixes_languages(client, lang):
    got = post(client, "/checkins", {"code": "", "gate": "", "admit": 999, "nonce": "", "y": 2}, lang)
    texts = [got["message"], *(m for ms in got["errors"].values() for m in ms)]
    for text in texts:
        assert bool(HAN.search(text)) == (lang == "zh-CN") and not (
            lang == "zh-CN" and LATIN_WORDS.search(text)
        )

"""Issue 23 finding 10, registration's side: an activity's title becomes an email's subject, so
every line-break class is refused when an activity is written, through the API and the import
(validation_failed / import_has_errors, field rule ``line_break``, zh-CN and en)."""

from __future__ import annotations

import pytest

from shared.text import LINE_BREAKS
from tests.conftest import activity_doc
from tests.integration.test_import import GOOD, csv_of, reg, upload

__all__ = ["reg"]  # a fixture
IDS = [f"U+{ord(c):04X}" for c in LINE_BREAKS]


@pytest.mark.parametrize("brk", list(LINE_BREAKS), ids=IDS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_title_with_a_line_break_is_refused_through_the_api(reg, brk, lang):
    doc = activity_doc("t-br")
    doc["title"] = {**doc["title"], lang: f"科学之夜{brk}天文观测"}
    r = reg.post("/api/v1/activities", json=doc, headers={**reg.org, "Accept-Language": "en"})
    body = r.get_json()
    assert r.status_code == 422 and body["reason"] == "validation_failed", body
    assert "Must be one line: no line breaks." in body["errors"]["title"][lang]
    zh = reg.post("/api/v1/activities", json=doc, headers=reg.org).get_json()
    assert "不能换行（须为一行文字）" in zh["errors"]["title"][lang]


def test_a_title_changed_to_hold_a_line_break_is_refused(reg):
    assert reg.post("/api/v1/activities", json=activity_doc("t-patch"), headers=reg.org).status_code == 201
    r = reg.patch("/api/v1/activities/t-patch", json={"title": {"zh": "甲\u2028乙"}}, headers=reg.org)
    assert r.status_code == 422 and r.get_json()["reason"] == "validation_failed", r.get_json()
    assert reg.get("/api/v1/activities/t-patch").get_json()["title"]["zh"] != "甲\u2028乙"


@pytest.mark.parametrize("brk", ["\n", "\u2028", "\x85"], ids=["LF", "LS", "NEL"])
def test_an_imported_title_with_a_line_break_is_a_row_error(reg, brk):
    row = list(GOOD[0])
    row[1] = f"科技工作者专场{brk}巨幕影院"
    resp = upload(reg, csv_of([row]), mode="all")
    body = resp.get_json()
    assert resp.status_code == 422 and body["reason"] == "import_has_errors", body
    found = {(e["row"], e["field"], e["message"]) for e in body["report"]["errors"]}
    assert (2, "活动名称", "不能换行（须为一行文字）") in found

"""The shipped demo catalogue (data/catalogue.yaml) and its loader, without servers."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
import yaml

from sciday import catalogue
from services.registration.catalogue.activities import TZ, parse

pytestmark = pytest.mark.unit

FIXED_TODAY = date(2031, 3, 14)
TIME_FIELDS = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")


@pytest.fixture(scope="module")
def fixed_docs():
    return catalogue.load_file(catalogue.DEFAULT_PATH, today=FIXED_TODAY)


@pytest.fixture(scope="module")
def docs_now():
    return catalogue.load_file(catalogue.DEFAULT_PATH)


def test_shipped_file_loads_and_validates(fixed_docs, docs_now):
    assert 8 <= len(fixed_docs) <= 12
    assert len(catalogue.validate(fixed_docs)) == len(fixed_docs)
    assert len(catalogue.validate(docs_now)) == len(docs_now)
    for doc in fixed_docs:
        # screenings are real-name (issue 14); the others leave the field to its default
        assert doc.get("real_name", False) is (doc["kind"] in ("imax", "dome")), doc["id"]
        assert set(doc) - {"real_name", "allocation", "lottery", "hall_en", "handback"} == {
            "id",
            "kind",
            "title",
            "description",
            "venue",
            "hall",
            "organizer",
            "starts_at",
            "ends_at",
            "capacity",
            "max_party_size",
            "audience",
            "registration_opens_at",
            "registration_closes_at",
            "waitlist",
        }
        assert doc["title"]["zh"] and doc["title"]["en"], doc["id"]
        assert doc["description"]["zh"] and doc["description"]["en"], doc["id"]
        assert doc["venue"]["name"] and doc["venue"]["address"], doc["id"]
        assert doc["organizer"], doc["id"]
        # issue 26: each language in its own field ("巨幕影院 IMAX Theatre" put English on Chinese pages)
        assert doc["hall_en"] and doc["venue"]["name_en"] and doc["venue"]["address_en"], doc["id"]
        for zh in (doc["hall"], doc["venue"]["name"], doc["venue"]["address"]):
            assert not re.search(r"[A-Za-z]{2,}", zh), (doc["id"], zh)
        for en in (doc["hall_en"], doc["venue"]["name_en"], doc["venue"]["address_en"]):
            assert not re.search(r"[\u4e00-\u9fff]", en), (doc["id"], en)
        for f in TIME_FIELDS:
            assert doc[f].endswith("+08:00"), (doc["id"], f, doc[f])


def test_ids_unique_and_short(fixed_docs):
    ids = [d["id"] for d in fixed_docs]
    assert len(ids) == len(set(ids))
    for aid in ids:
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]{0,31}", aid), aid
        assert not re.search(r"20\d\d", aid), f"{aid}: no dates in ids"


def test_everything_after_the_fixed_today(fixed_docs):
    for doc in fixed_docs:
        starts = parse(doc["starts_at"])
        assert starts.astimezone(TZ).date() > FIXED_TODAY, doc["id"]
        assert parse(doc["ends_at"]) > starts
        assert parse(doc["registration_opens_at"]) < parse(doc["registration_closes_at"]) <= starts


def test_everything_in_the_future_of_the_real_today(docs_now):
    now = datetime.now(TZ)
    for doc in docs_now:
        assert parse(doc["starts_at"]) > now, doc["id"]
        assert parse(doc["registration_closes_at"]) > now, doc["id"]


def test_registration_windows_now(docs_now):
    now = datetime.now(TZ)
    open_now = [
        d["id"]
        for d in docs_now
        if parse(d["registration_opens_at"]) <= now < parse(d["registration_closes_at"])
    ]
    not_yet = [d["id"] for d in docs_now if parse(d["registration_opens_at"]) > now]
    assert len(open_now) > len(docs_now) / 2, open_now
    assert 1 <= len(not_yet) <= 3, not_yet


def test_required_kinds_and_series(fixed_docs):
    kinds = {d["kind"] for d in fixed_docs}
    assert {"imax", "dome", "lecture"} <= kinds
    for doc in fixed_docs:
        if doc["kind"] in ("imax", "dome"):
            assert doc["audience"] == "sci_workers_and_families", doc["id"]
            assert doc["max_party_size"] == 4, doc["id"]
    imax = [d for d in fixed_docs if d["kind"] == "imax"]
    dome = [d for d in fixed_docs if d["kind"] == "dome"]
    assert all(350 <= d["capacity"] <= 500 for d in imax)
    assert all(150 <= d["capacity"] <= 260 for d in dome)
    lectures = [d for d in fixed_docs if d["kind"] == "lecture"]
    for needle in ("防灾减灾", "航天", "科普大讲堂"):
        assert any(needle in d["title"]["zh"] for d in lectures), needle
    assert any("四平" in d["venue"]["name"] for d in lectures if "科普大讲堂" in d["title"]["zh"])
    assert any(d["venue"]["name"] == "辽宁省科学技术馆" for d in imax + dome)


def test_dates_shift_with_today():
    week_later = FIXED_TODAY + timedelta(days=7)
    a = catalogue.load_file(catalogue.DEFAULT_PATH, today=FIXED_TODAY)
    b = catalogue.load_file(catalogue.DEFAULT_PATH, today=week_later)
    assert [d["id"] for d in a] == [d["id"] for d in b]
    for da, db in zip(a, b):
        for f in TIME_FIELDS:
            assert parse(db[f]) - parse(da[f]) == timedelta(days=7), (da["id"], f)
        assert {k: v for k, v in da.items() if k not in TIME_FIELDS} == {
            k: v for k, v in db.items() if k not in TIME_FIELDS
        }


def test_default_today_is_shanghai_today():
    before = datetime.now(TZ).date()
    docs = catalogue.load_file(catalogue.DEFAULT_PATH)
    after = datetime.now(TZ).date()
    if before != after:
        pytest.skip("crossed midnight in Shanghai")
    assert docs == catalogue.load_file(catalogue.DEFAULT_PATH, today=before)


def test_validate_names_the_bad_entry(fixed_docs):
    bad = [dict(d) for d in fixed_docs]
    bad[2]["capacity"] = 0
    with pytest.raises(catalogue.CatalogueError, match=re.escape(repr(bad[2]["id"]))) as err:
        catalogue.validate(bad)
    assert "capacity" in str(err.value)
    dup = [dict(d) for d in fixed_docs] + [dict(fixed_docs[0])]
    with pytest.raises(catalogue.CatalogueError, match="used twice"):
        catalogue.validate(dup)


def test_load_file_rejects_typos_and_unquoted_times(tmp_path):
    raw = yaml.safe_load(catalogue.DEFAULT_PATH.read_text(encoding="utf-8"))
    first = raw["activities"][0]
    raw["activities"] = [dict(first, capcity=10)]
    path = tmp_path / "typo.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(catalogue.CatalogueError, match=r"capcity"):
        catalogue.load_file(path, today=FIXED_TODAY)
    raw["activities"] = [dict(first, start_time=1140)]  # what YAML makes of an unquoted 19:00
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(catalogue.CatalogueError, match=re.escape(first["id"])):
        catalogue.load_file(path, today=FIXED_TODAY)
    raw["activities"] = [dict(first, venue="nowhere")]
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(catalogue.CatalogueError, match="unknown venue"):
        catalogue.load_file(path, today=FIXED_TODAY)

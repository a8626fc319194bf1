"""The import reads an uploaded spreadsheet within bounds (issue 16): a crafted XLSX is refused
before it is parsed, every cap is a setting, and a file within the caps still reads. No server.

The bounds are checked by what the server reads (bytes inflated, strings and cells counted), not
by a clock. All files are built in memory by tests/crafted_xlsx.py; the full-size crafted file
(34 MB of shared strings) is refused over HTTP in tests/integration/test_import_city_lists.py."""

from __future__ import annotations

import pytest

from services.registration.catalogue import key_activities as ka
from shared import spreadsheets
from shared.config import load
from tests import crafted_xlsx


@pytest.fixture
def no_parse(monkeypatch):
    """Fail the test if the file reaches openpyxl: the refusal must come before any parsing."""
    import openpyxl

    def refuse(*_a, **_k):
        raise AssertionError("openpyxl was asked to parse a file the bounds should have refused")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def test_shared_strings_that_inflate_past_the_cap_are_refused_before_parsing(no_parse):
    data = crafted_xlsx.inflating(strings=2000)  # ~2 MB of shared strings from a few KB
    assert len(data) < 50_000
    with pytest.raises(spreadsheets.SheetTooLarge) as exc:
        spreadsheets.grid("list.xlsx", data, 2020, spreadsheets.Limits(inflated_bytes=1024 * 1024))
    assert "inflates" in exc.value.en and "文件过大" in exc.value.zh


def test_too_many_shared_strings_are_refused(no_parse):
    with pytest.raises(spreadsheets.SheetTooLarge) as exc:
        spreadsheets.grid(
            "list.xlsx", crafted_xlsx.many_strings(300), 2020, spreadsheets.Limits(shared_strings=200)
        )
    assert "shared strings" in exc.value.en


def test_too_many_cells_are_refused(no_parse):
    with pytest.raises(spreadsheets.SheetTooLarge) as exc:
        spreadsheets.grid("list.xlsx", crafted_xlsx.many_cells(50, 10), 2020, spreadsheets.Limits(cells=400))
    assert "cells" in exc.value.en


def test_a_csv_with_too_many_cells_is_refused():
    data = ("活动名称,时间,地点,人数上限\n" * 30).encode()
    with pytest.raises(spreadsheets.SheetTooLarge):
        spreadsheets.grid("list.csv", data, 2020, spreadsheets.Limits(cells=100))
    assert len(spreadsheets.grid("list.csv", data, 2020, spreadsheets.Limits(cells=120))) == 30


def test_a_part_declaring_entities_is_refused(no_parse):
    with pytest.raises(spreadsheets.UnreadableSheet):
        spreadsheets.grid("list.xlsx", crafted_xlsx.with_entities(), 2020, spreadsheets.Limits())


def test_a_file_within_the_caps_reads():
    grid = spreadsheets.grid(
        "list.xlsx", crafted_xlsx.many_cells(50, 10), 2020, spreadsheets.Limits(cells=600)
    )
    assert grid[0][:4] == ["活动名称", "时间", "地点", "人数上限"] and len(grid) == 52


def test_more_rows_than_the_cap_are_refused_with_the_cap_named():
    rows = "活动名称,时间,地点,人数上限\n" + "".join(
        f"讲座{i},2026-12-15 19:00-20:00,馆 厅,10\n" for i in range(30)
    )
    with pytest.raises(ka.SheetTooLarge) as exc:
        ka.read("list.csv", rows.encode(), spreadsheets.Limits(rows=20))
    assert "20" in exc.value.zh and "20" in exc.value.en


def test_a_csv_field_past_the_csv_modules_limit_is_unreadable_not_a_crash():
    data = ("活动名称,时间\n" + "x" * 200_000 + ",1\n").encode()
    with pytest.raises(spreadsheets.UnreadableSheet):
        spreadsheets.grid("list.csv", data, 2020, spreadsheets.Limits())


def test_every_cap_is_a_setting(monkeypatch):
    for name, value in {
        "SCIDAY_IMPORT_MAX_UPLOAD_BYTES": "1000",
        "SCIDAY_IMPORT_MAX_ROWS": "11",
        "SCIDAY_IMPORT_MAX_COLUMNS": "12",
        "SCIDAY_IMPORT_MAX_CELLS": "13",
        "SCIDAY_IMPORT_MAX_SHARED_STRINGS": "14",
        "SCIDAY_IMPORT_MAX_INFLATED_BYTES": "15",
    }.items():
        monkeypatch.setenv(name, value)
    settings = load()
    assert settings.import_max_upload_bytes == 1000
    assert spreadsheets.Limits.of(settings) == spreadsheets.Limits(11, 12, 13, 14, 15)


@pytest.mark.parametrize("strings", [10, 20_000])  # 20,000 strings span several 64 KiB chunks
def test_the_shared_string_count_is_exact_across_chunks(strings):
    data = crafted_xlsx.many_strings(strings)  # plus the 8 strings of the header and one row
    spreadsheets.inspect_xlsx(data, spreadsheets.Limits(shared_strings=strings + 8))
    with pytest.raises(spreadsheets.SheetTooLarge):
        spreadsheets.inspect_xlsx(data, spreadsheets.Limits(shared_strings=strings + 7))

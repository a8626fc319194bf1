"""Issue 23 finding 10: a 19.7 KB XLSX holding a 15.9 MB XML comment (under the 16 MB total) still
cost a worker 11 s of parsing. Each part, and each token of a part (a text, a tag, a comment, a
CDATA section), is bounded before openpyxl sees the file. No server; no clock in an assertion:
the ``no_parse`` fixture fails the test if the file reaches the parser."""

from __future__ import annotations

import pytest

from shared import spreadsheets
from shared.config import load
from tests import crafted_xlsx
from tests.unit.test_spreadsheet_limits import no_parse

DEFAULTS = spreadsheets.Limits.of(load())


def refused(data: bytes, limits: spreadsheets.Limits = DEFAULTS) -> spreadsheets.SheetTooLarge:
    with pytest.raises(spreadsheets.SheetTooLarge) as exc:
        spreadsheets.grid("list.xlsx", data, 2020, limits)
    return exc.value


def test_the_probes_file_a_large_comment_in_a_small_file_is_refused_before_parsing(no_parse):
    data = crafted_xlsx.with_comment(15_900_000)
    assert len(data) < 40_000
    assert "文件过大" in refused(data).zh


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml"])
@pytest.mark.parametrize("filler", [b"A", b"<a>", b"->"])
def test_a_comment_longer_than_a_token_may_be_is_refused_in_any_part(no_parse, part, filler):
    """Below the part cap, and whether or not the comment holds "<" or ">"."""
    exc = refused(crafted_xlsx.with_comment(300_000, part, filler))
    assert f"longer than {DEFAULTS.token_bytes} bytes" in exc.en


def test_a_text_longer_than_a_token_may_be_is_refused(no_parse):
    exc = refused(crafted_xlsx.with_long_text(2000), spreadsheets.Limits(token_bytes=1000))
    assert "longer than 1000 bytes" in exc.en


def test_a_part_past_its_own_cap_is_refused_within_the_total(no_parse):
    data = crafted_xlsx.inflating(strings=2000)  # ~2 MB of shared strings, short ones
    exc = refused(data, spreadsheets.Limits(part_bytes=1024 * 1024))
    assert "one part inflates past" in exc.en


def test_a_list_with_long_texts_within_the_caps_still_reads():
    grid = spreadsheets.grid("list.xlsx", crafted_xlsx.with_long_text(30_000), 2020, DEFAULTS)
    assert grid[0][:4] == ["活动名称", "时间", "地点", "人数上限"]


def test_the_part_and_token_caps_are_settings(monkeypatch):
    monkeypatch.setenv("SCIDAY_IMPORT_MAX_PART_BYTES", "1234")
    monkeypatch.setenv("SCIDAY_IMPORT_MAX_TOKEN_BYTES", "567")
    limits = spreadsheets.Limits.of(load())
    assert (limits.part_bytes, limits.token_bytes) == (1234, 567)

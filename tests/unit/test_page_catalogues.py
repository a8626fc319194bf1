"""Page text lives in gettext catalogues (docs/i18n.md): every msgid translated in every locale,
no stale .mo, and no page text left outside the catalogue in a converted service's templates and
scripts (a Chinese literal, or a ``t("zh", "en")`` pair)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from sciday import catalogues
from shared.translations import js_messages

ROOT = Path(__file__).resolve().parents[2]
# The services with pages; their pages and scripts take all their text from the catalogues.
CONVERTED = ("registration", "checkin")
HAN = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
PAIR = re.compile(r"(?<![\w.$])t\(\s*[\"'`]")
# The reason table, generated from the service's vocabulary and catalogue (both languages, for offline use).
GENERATED = {"vocabulary.js"}
# The language switch names the other language in its own script, on purpose.
SWITCH = "中文"
LINE_COMMENT = re.compile(r"(?m)^\s*//.*$|\s//\s.*$")
BLOCK_COMMENT = re.compile(r"/\*.*?\*/|\{#.*?#\}|<!--.*?-->", re.S)


def sources(service: str) -> list[Path]:
    base = ROOT / "services" / service
    pages = sorted((base / "templates").rglob("*.html"))
    scripts = [
        p
        for p in sorted((base / "static").rglob("*.js"))
        if "vendor" not in p.parts and p.name not in GENERATED
    ]
    return pages + scripts


def stray(path: Path) -> list[str]:
    """Chinese text or a t() pair in a template or script, comments aside."""
    text = BLOCK_COMMENT.sub("", path.read_text(encoding="utf-8"))
    if path.suffix == ".js":
        text = LINE_COMMENT.sub("", text)
    text = text.replace(SWITCH, "")
    return [f"{path.name}: {m.group(0)!r}" for m in (*HAN.finditer(text), *PAIR.finditer(text))]


@pytest.mark.parametrize("service,locale,domain", list(catalogues.catalogues()))
def test_every_msgid_is_translated_and_compiled(service, locale, domain):
    assert catalogues.problems(service, locale, domain) == []


def test_each_converted_service_has_both_catalogues():
    kept = {(service, domain) for service, _, domain in catalogues.catalogues()}
    assert {(s, d) for s in CONVERTED for d in ("messages", "js")} <= kept


@pytest.mark.parametrize("service", CONVERTED)
def test_no_page_text_outside_the_catalogue(service):
    assert [hit for path in sources(service) for hit in stray(path)] == []


def test_a_stray_literal_is_found(tmp_path):
    page = tmp_path / "page.html"
    page.write_text('{# 注释 #}<p>{{ t("报名", "Register") }}</p><a lang="zh-CN">中文</a>', encoding="utf-8")
    script = tmp_path / "page.js"
    script.write_text('// 注释\nconst a = _("Online"); const b = "离线";\n', encoding="utf-8")
    assert len(stray(page)) == 3 and len(stray(script)) == 2


def test_a_missing_translation_markup_and_a_stale_mo_fail_the_check(tmp_path, monkeypatch):
    service, locale, domain = "checkin", "zh_Hans_CN", "js"
    original = catalogues.po_path(service, locale, domain)
    copy = tmp_path / original.name
    shutil.copy(original, copy)
    shutil.copy(original.with_suffix(".mo"), copy.with_suffix(".mo"))
    text = copy.read_text(encoding="utf-8")
    text = text.replace('msgstr "在线"', 'msgstr ""').replace('msgstr "离线"', 'msgstr "<b>离线</b>"')
    copy.write_text(text, encoding="utf-8")
    monkeypatch.setattr(catalogues, "po_path", lambda *_: copy)
    found = catalogues.problems(service, locale, domain)
    assert any("not translated: 'Online'" in p for p in found)
    assert any("is stale" in p for p in found)
    assert any("markup in the text of 'Offline'" in p for p in found)


def test_the_script_catalogue_keeps_plural_forms():
    folder = ROOT / "services" / "checkin" / "translations"
    zh = js_messages(folder, "zh_Hans_CN")
    assert zh["Online"] == "在线"
    assert zh["%(num)d person"] == ["%(num)d 人"]
    assert js_messages(folder, "en") == {}

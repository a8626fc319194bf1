"""The reason and rule tables speak from the gettext catalogues (docs/i18n.md), like the pages.

Each vocabulary declares a reason's text as a msgid (``N_``, the English) and registration's field
rules and export statuses with a context (``NP_``); zh-CN comes from the service's catalogue only.
These tests fail when such a text is not extracted by ``make translations`` (written without its
marker), is not translated, or loses or gains a ``{placeholder}``, and when the scanner's offline
table (``vocabulary.js``) does not carry the catalogue's text."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from sciday import catalogues
from services.checkin import vocabulary as CV
from services.notify import vocabulary as NV
from services.registration import vocabulary as RV
from shared.msgid import CONTEXT_SEP, english, text
from shared.words import DEFAULT_LOCALE, PLACEHOLDER, Reason, reasons

HAN = re.compile(r"[\u4e00-\u9fff]")
FOLDER = {s: Path(catalogues.folder(s)) / "translations" for s in ("registration", "checkin", "notify")}


def tables() -> Iterator[tuple[str, Reason]]:
    for service, table in (
        ("registration", RV.REASONS),
        ("checkin", CV.REASONS),
        ("notify", NV.REASONS),
        ("notify", NV.INTERNAL_REASONS),
    ):
        for reason in table.values():
            yield service, reason


def msgids() -> list[tuple[str, str]]:
    """(service, msgid) of every reason text, variant, field rule and export status."""
    out = [(service, m) for service, r in tables() for m in r.msgids()]
    out += [("registration", m) for m in (*RV.FIELD_RULES.values(), *RV.STATUS_TEXT.values())]
    return sorted(set(out))


def untranslated(service: str, msgid: str, folder: Path) -> list[str]:
    """What is wrong with ``msgid``'s zh-CN text in ``folder``: missing, not Chinese, or other placeholders."""
    zh, en = text(msgid, DEFAULT_LOCALE, folder), english(msgid)
    problems = []
    if zh == en or not HAN.search(zh):
        problems.append(f"{service}: not translated: {en!r}")
    if set(PLACEHOLDER.findall(zh)) != set(PLACEHOLDER.findall(en)):
        problems.append(f"{service}: other placeholders in the text of {en!r}: {zh!r}")
    return problems


@pytest.mark.parametrize("service", sorted(FOLDER))
def test_every_reason_rule_and_status_text_is_translated(service):
    found = [p for s, m in msgids() if s == service for p in untranslated(s, m, FOLDER[s])]
    assert found == []


@pytest.mark.parametrize("service", sorted(FOLDER))
def test_every_reason_text_is_extracted_into_the_catalogue(service):
    """A text declared without its marker would never reach a translator: ``make translations``
    reads the markers, so each table's msgid must be among what Babel extracts."""
    extracted = catalogues.extract(service, "messages")
    missing = []
    for s, msgid in msgids():
        context, _, bare = msgid.rpartition(CONTEXT_SEP)
        if s == service and extracted.get(bare, context or None) is None:
            missing.append(msgid)
    assert missing == []


def test_a_reason_is_said_from_its_service_catalogue():
    assert RV.REASONS[RV.SOLD_OUT].message("zh-CN") == "名额已满"
    assert RV.REASONS[RV.SOLD_OUT].message("en") == "No seats left and the waitlist is full or off."
    assert RV.rule_message(RV.PHONE_EMPTY, "zh-CN") == "必填项"
    # the same English, a reason and a field rule, said two ways through the rule's context
    assert RV.REASONS[RV.PARTY_TOO_LARGE].message("zh-CN") == "人数超过上限"
    assert RV.rule_message(RV.PARTY_OVER_LIMIT, "zh-CN") == "人数超过本活动每单上限"
    assert RV.rule_message(RV.PARTY_OVER_LIMIT, "en") == RV.REASONS[RV.PARTY_TOO_LARGE].message("en")
    assert RV.status_text(RV.WAITLISTED, "zh-CN") == "候补"
    assert RV.status_text(RV.WAITLISTED, "en") == RV.WAITLISTED
    assert NV.INTERNAL_REASONS[NV.SMS_UNAVAILABLE].message("zh-CN") == "短信暂时无法发送，请稍后重试"


def test_the_scanner_table_carries_the_catalogue_in_both_languages():
    table = CV.js()
    for r in CV.REASONS.values():
        for words in (r.text, *r.more.values()):
            said = text(words.msgid, DEFAULT_LOCALE, FOLDER["checkin"])
            assert f'"zh": "{said}"' in table and f'"en": "{words.msgid}"' in table, words.msgid


def test_a_blank_or_misplaced_translation_is_found(tmp_path):
    """The checks above can fail: a copy of check-in's catalogue with one msgstr blanked and one
    placeholder dropped, compiled, and a reason said from it."""
    original = FOLDER["checkin"] / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
    copy = tmp_path / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
    copy.parent.mkdir(parents=True)
    shutil.copy(original, copy)
    po = copy.read_text(encoding="utf-8")
    po = po.replace('msgstr "票已取消"', 'msgstr ""').replace(
        'msgstr "已入场 {at} {gate}"', 'msgstr "已入场 {at}"'
    )
    copy.write_text(po, encoding="utf-8")
    with copy.open("rb") as f, copy.with_suffix(".mo").open("wb") as out:
        write_mo(out, read_po(f, locale="zh_Hans_CN"))
    table = reasons(*(r for r in CV.REASONS.values()), catalogue=tmp_path)
    revoked, inside = table[CV.REVOKED], table[CV.ALREADY_CHECKED_IN]
    assert revoked.message("zh-CN") == "Ticket cancelled"  # gettext falls back to the msgid
    assert untranslated("checkin", revoked.msgid, tmp_path) == ["checkin: not translated: 'Ticket cancelled'"]
    assert untranslated("checkin", inside.msgid, tmp_path) == [
        "checkin: other placeholders in the text of 'Already checked in {at} {gate}': '已入场 {at}'"
    ]
    assert untranslated("checkin", inside.msgid, FOLDER["checkin"]) == []

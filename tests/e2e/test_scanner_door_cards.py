"""Issue 23 at the door, in real Chromium on a phone-sized screen: a family of three booked one
made-up ID number (same first and last four characters as the real card, so the masked form shows
both alike). The steward scans the ticket and reads each member's card (a card reader types the
number and Enter): two of three are admitted, the third is refused ``id_mismatch``, online and
offline, and the offline queue carries no ID number."""

from __future__ import annotations

import requests

from tests.conftest import wait_for
from tests.e2e.test_scanner_chromium import (
    attendance,
    bearer,
    cam_browser,
    cam_file,
    make_activity,
    no_csp_problems,
    scanner,
    seq,
    sign_in,
    steward,
    type_code,
    verdict,
)
from tests.fair_support import resident_id

__all__ = ["cam_browser", "cam_file", "scanner", "steward"]


def family(base: int) -> tuple[str, str, str, str]:
    """Father's and mother's numbers, the child's real card, and the made-up number booked for it."""
    real = resident_id(base + 2)
    made_up = next(
        n
        for i in range(base + 502, base + 60000, 500)
        if (n := resident_id(i))[:4] == real[:4] and n[-4:] == real[-4:]
    )
    return resident_id(base), resident_id(base + 1), real, made_up


def book_family(urls, aid, phone, numbers) -> tuple[str, str]:
    father, mother, _real, made_up = numbers
    members = [
        {"name": "陈科", "id_type": "resident_id", "id_number": father},
        {"name": "林慧", "id_type": "resident_id", "id_number": mother},
        {"name": "陈小宇", "id_type": "resident_id", "id_number": made_up},
    ]
    r = requests.post(
        f"{urls['registration']}/api/v1/activities/{aid}/registrations",
        json={
            "name": "陈科",
            "phone": phone,
            "organization": "中国科学院",
            "party_size": 3,
            "members": members,
        },
        timeout=10,
    )
    assert r.status_code == 201, r.text
    return r.json()["ticket"]["code"], r.json()["registration_id"]


def wait_cards(urls, token, aid, rid):
    """The scanner state carries the family's door hashes (the check-in consumer has read the event)."""

    def known():
        r = requests.get(f"{urls['checkin']}/api/v1/scanner/state", headers=bearer(token), timeout=5)
        return any(rid in (a.get("cards") or {}) for a in r.json()["activities"] if a["id"] == aid)

    wait_for(known, timeout=30, what=f"{rid}'s door hashes in the scanner state")


def read_card(page, number, state):
    n = seq(page)
    page.fill("#f-card", number)
    page.press("#f-card", "Enter")  # as a card reader ends the number
    v = verdict(page, state, n)
    assert page.locator("#f-card").input_value() == ""  # the number leaves the screen at once
    return v


def test_a_family_with_a_made_up_id_is_admitted_two_of_three(
    scanner, urls, organizer_token, steward, screenshots
):
    make_activity(
        urls,
        organizer_token,
        "scan-cards",
        real_name=True,
        title={"zh": "实名·科普报告", "en": "Real-name talk"},
    )
    numbers = family(31)
    father, mother, child_card, _ = numbers
    code, rid = book_family(urls, "scan-cards", "13700000031", numbers)
    wait_cards(urls, steward, "scan-cards", rid)
    sign_in(scanner, urls, steward, "6号门")

    n = seq(scanner)
    type_code(scanner, code)
    assert verdict(scanner, "card", n)["head"] == "请逐一读取成员证件"
    assert scanner.locator("#card-form").is_visible()
    assert read_card(scanner, father, "ok")["head"] == "✓ 入场 1 人"
    v = read_card(scanner, mother, "ok")
    assert (v["head"], v["sub"]) == ("✓ 入场 1 人", "还剩 1 人未入场")
    v = read_card(scanner, child_card, "refused")
    assert (v["reason"], v["head"]) == ("id_mismatch", "证件与报名信息不符")
    scanner.evaluate("window.scrollTo(0, 0)")  # the test's typing scrolled the card form into view
    scanner.screenshot(path=str(screenshots / "scanner-card-mismatch.png"))
    assert attendance(urls, steward, "scan-cards")["checked_in"] == 2
    no_csp_problems(scanner)


def test_offline_the_book_matches_the_cards_and_keeps_no_number(
    scanner, urls, organizer_token, steward, screenshots
):
    make_activity(urls, organizer_token, "scan-cards-off", real_name=True)
    numbers = family(41)
    father, mother, child_card, made_up = numbers
    code, rid = book_family(urls, "scan-cards-off", "13700000041", numbers)
    wait_cards(urls, steward, "scan-cards-off", rid)
    sign_in(scanner, urls, steward, "7号门")

    scanner.context.set_offline(True)
    scanner.wait_for_selector('#net[data-online="0"]')
    n = seq(scanner)
    type_code(scanner, code)
    verdict(scanner, "card", n)
    assert read_card(scanner, father, "ok")["meta"].endswith("离线核验，待上传")
    read_card(scanner, mother, "ok")
    v = read_card(scanner, child_card, "refused")
    assert (v["reason"], v["head"]) == ("id_mismatch", "证件与报名信息不符") and "离线判定" in v["meta"]
    scanner.evaluate("window.scrollTo(0, 0)")  # the test's typing scrolled the card form into view
    scanner.screenshot(path=str(screenshots / "scanner-card-mismatch-offline.png"))
    stored = scanner.evaluate("JSON.stringify(localStorage)")
    assert all(number not in stored for number in (father, mother, child_card, made_up))
    assert scanner.locator("#queue-len").inner_text() == "2"

    scanner.context.set_offline(False)
    scanner.evaluate("window.dispatchEvent(new Event('online'))")
    wait_for(lambda: attendance(urls, steward, "scan-cards-off").get("checked_in") == 2, what="two uploaded")
    scanner.wait_for_function("() => document.querySelector('#queue-len').textContent === '0'")
    assert scanner.locator("#conflicts").is_hidden()  # the server agreed with both offline admissions

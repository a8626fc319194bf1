"""Registrants' pages in real Chromium on a phone-sized screen."""

from __future__ import annotations

import io
import re

import requests
import zxingcpp
from PIL import Image

from tests.conftest import activity_doc


def _activity(urls, token, aid, **over):
    r = requests.post(
        f"{urls['registration']}/api/v1/activities",
        headers={"Authorization": f"Bearer {token}"},
        json=activity_doc(aid, **over),
        timeout=10,
    )
    assert r.status_code == 201, r.text


def test_register_from_the_list_and_scan_the_ticket_off_the_screen(urls, organizer_token, phone, screenshots):
    _activity(
        urls,
        organizer_token,
        "page-imax",
        capacity=50,
        title={"zh": "巨幕影院·科技工作者专场", "en": "IMAX special screening"},
    )
    base = urls["registration"]
    phone.goto(f"{base}/")
    assert phone.locator("h1").inner_text() == "近期活动"
    phone.screenshot(path=str(screenshots / "registration-list.png"), full_page=True)
    phone.get_by_text("巨幕影院·科技工作者专场").click()
    phone.wait_for_url("**/a/page-imax")

    # An invalid phone number is refused inline, in Chinese, and nothing is stored.
    phone.fill("#f-name", "陈科")
    phone.fill("#f-phone", "12345")
    phone.fill("#f-organization", "中国科学院金属研究所")
    phone.select_option("#f-party_size", "3")
    phone.check("input[name=consent]")  # the notice and consent (issue 16)
    phone.get_by_role("button", name="提交报名").click()
    assert "请输入11位大陆手机号" in phone.locator(".field-error").inner_text()
    phone.screenshot(path=str(screenshots / "registration-form-error.png"), full_page=True)

    phone.fill("#f-phone", "13912340000")
    phone.get_by_role("button", name="提交报名").click()
    phone.wait_for_url("**/t/**")
    assert "报名成功" in phone.content() and "3 人" in phone.locator(".party").inner_text()
    phone.wait_for_function(
        "() => document.querySelector('img.qr').complete && document.querySelector('img.qr').naturalWidth > 0"
    )
    shot = phone.screenshot(path=str(screenshots / "ticket.png"), full_page=True)

    # The QR on the screen decodes to the ticket code the API reports for this registration.
    rid = phone.url.split("/t/")[1].split("?")[0]
    token = phone.url.split("t=")[1]
    code = requests.get(f"{base}/api/v1/registrations/{rid}", params={"token": token}, timeout=5).json()[
        "ticket"
    ]["code"]
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))]
    assert decoded == [code]

    # The English switch.
    phone.goto(phone.url + "&lang=en")
    assert "You are registered" in phone.content()


def test_cancel_from_the_manage_page_frees_the_seats(urls, organizer_token, phone, screenshots):
    _activity(
        urls,
        organizer_token,
        "page-dome",
        kind="dome",
        capacity=2,
        title={"zh": "球幕影院·家庭专场", "en": "Dome family screening"},
    )
    base = urls["registration"]
    phone.goto(f"{base}/a/page-dome")
    phone.fill("#f-name", "周")
    phone.fill("#f-phone", "13912340001")
    phone.fill("#f-organization", "东北大学")
    phone.select_option("#f-party_size", "2")
    phone.check("input[name=consent]")
    phone.get_by_role("button", name="提交报名").click()
    phone.wait_for_url("**/t/**")
    phone.get_by_text("管理或取消报名").click()
    phone.wait_for_url("**/r/**")
    phone.screenshot(path=str(screenshots / "manage.png"), full_page=True)
    phone.get_by_role("button", name="取消报名，释放座位").click()
    phone.wait_for_url("**/cancel")  # it asks first (issue 17)
    assert "无法恢复" in phone.locator(".banner").inner_text()
    phone.get_by_role("button", name="确认取消").click()
    phone.wait_for_url(re.compile(r"/r/[^/]+\?t="))
    assert "已取消" in phone.locator(".banner").inner_text()
    act = requests.get(f"{base}/api/v1/activities/page-dome", timeout=5).json()
    assert act["seats_left"] == 2


def test_a_full_activity_offers_the_waitlist(urls, organizer_token, phone, screenshots):
    _activity(
        urls,
        organizer_token,
        "page-full",
        kind="lecture",
        capacity=1,
        audience="public",
        title={"zh": "致敬航天精神·科普报告会", "en": "Tribute to the spirit of spaceflight"},
    )
    base = urls["registration"]
    requests.post(
        f"{base}/api/v1/activities/page-full/registrations",
        json={"name": "甲", "phone": "13912340002", "party_size": 1},
        timeout=5,
    )
    phone.goto(f"{base}/")
    card = phone.locator(".card", has_text="致敬航天精神·科普报告会")
    assert "已满，可排队候补" in card.inner_text()
    card.click()
    phone.fill("#f-name", "乙")
    phone.fill("#f-phone", "13912340003")
    phone.check("input[name=consent]")
    phone.get_by_role("button", name="加入候补").click()
    phone.wait_for_url("**/r/**")
    assert "候补中：第 1 位" in phone.locator(".banner").inner_text()
    phone.screenshot(path=str(screenshots / "waitlisted.png"), full_page=True)

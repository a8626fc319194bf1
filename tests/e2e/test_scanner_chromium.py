"""The scanner page (/scan) in real Chromium on a phone-sized screen: a fake camera showing real and
forged tickets, parties with the stepper, offline scans queued and uploaded exactly once, and the
ticket parser checked against shared/tickets.py."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

from shared.auth import create_token
from shared.redis_scripts import connect
from shared.tickets import KeyRing, Ticket, b64d
from tests.conftest import CHROMIUM_ARGS, activity_doc, wait_for
from tests.e2e import camera

TZ = ZoneInfo("Asia/Shanghai")
VENUE = "ln-stm"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}


# -- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cam_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("camera") / "cam.y4m"
    camera.show(path, None)  # must exist before Chromium starts
    return path


@pytest.fixture(scope="module")
def cam_browser(browser, cam_file):
    """A second Chromium from the same Playwright, with a fake camera reading ``cam_file``."""
    b = browser.browser_type.launch(
        executable_path=shutil.which("chromium"),
        args=CHROMIUM_ARGS
        + [
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={cam_file}",
            "--autoplay-policy=no-user-gesture-required",
        ],
    )
    yield b
    b.close()


@pytest.fixture
def scanner(cam_browser, urls):
    """A phone page of the scanner, with every console error and CSP violation collected."""
    ctx = cam_browser.new_context(**PHONE)
    page = ctx.new_page()
    page.problems = []
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    yield page
    ctx.close()


@pytest.fixture(scope="module")
def steward(stack_settings):
    return create_token(
        connect(stack_settings.redis_url), stack_settings.redis_prefix, "steward", "e2e 门岗", VENUE
    )


# -- helpers ----------------------------------------------------------------------------------------


def soon(aid: str, **over) -> dict:
    """An activity starting in 30 minutes: its check-in window is open now."""
    now = datetime.now(TZ).replace(microsecond=0)
    return activity_doc(
        aid,
        starts_at=(now + timedelta(minutes=30)).isoformat(),
        ends_at=(now + timedelta(minutes=150)).isoformat(),
        registration_closes_at=(now + timedelta(minutes=10)).isoformat(),
        **over,
    )


def make_activity(urls, organizer_token, aid, **over):
    r = requests.post(
        f"{urls['registration']}/api/v1/activities",
        json=soon(aid, **over),
        headers={"Authorization": f"Bearer {organizer_token}"},
        timeout=10,
    )
    assert r.status_code == 201, r.text


def booking(urls, aid, phone, party) -> dict:
    """A registration made over the API: its whole answer (ticket, manage link)."""
    r = requests.post(
        f"{urls['registration']}/api/v1/activities/{aid}/registrations",
        timeout=10,
        json={"name": "陈科", "phone": phone, "organization": "中国科学院", "party_size": party},
    )
    assert r.status_code == 201, r.text
    return r.json()


def register(urls, aid, phone, party) -> str:
    return booking(urls, aid, phone, party)["ticket"]["code"]


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def wait_projected(urls, token, aid):
    """The check-in service knows the activity (its consumer has read the registration events)."""

    def known():
        r = requests.get(f"{urls['checkin']}/api/v1/scanner/state", headers=bearer(token), timeout=5)
        return any(a["id"] == aid for a in r.json()["activities"])

    wait_for(known, timeout=30, what=f"{aid} in the scanner state")


def attendance(urls, token, aid) -> dict:
    r = requests.get(
        f"{urls['checkin']}/api/v1/activities/{aid}/attendance", headers=bearer(token), timeout=5
    )
    return r.json() if r.status_code == 200 else {}


def forged(aid, tmp_path, party=1) -> str:
    now = int(datetime.now(TZ).timestamp())
    return KeyRing.load_or_create(tmp_path / "forger").sign(
        registration_id="aaaaaaaaaaaaaaaa",
        activity_id=aid,
        venue_id=VENUE,
        party_size=party,
        valid_from=now - 3600,
        valid_until=now + 3600,
    )


def sign_in(page, urls, token, gate):
    page.goto(f"{urls['checkin']}/scan")
    page.fill("#f-token", token)
    page.fill("#f-gate", gate)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("#door:not([hidden])")
    page.wait_for_selector('#net[data-online="1"]')
    assert page.locator("#gate-label").inner_text() == gate
    assert token not in page.url


def verdict(page, state, after_seq):
    """Wait for the next verdict of ``state`` after sequence number ``after_seq``; return its texts."""
    page.wait_for_function(
        "([s, n]) => { const v = document.querySelector('#verdict');"
        " return v.dataset.state === s && Number(v.dataset.seq) > n; }",
        arg=[state, after_seq],
    )
    v = page.locator("#verdict")
    return {
        "head": page.locator("#v-head").inner_text(),
        "sub": page.locator("#v-sub").inner_text(),
        "meta": page.locator("#v-meta").inner_text(),
        "reason": v.get_attribute("data-reason"),
    }


def seq(page) -> int:
    return int(page.locator("#verdict").get_attribute("data-seq") or 0)


def type_code(page, code):
    page.fill("#f-code", code)
    page.get_by_role("button", name="核验").click()


def no_csp_problems(page):
    bad = [p for p in page.problems if "Content Security Policy" in p or "Refused" in p]
    assert not bad, bad


# -- tests ------------------------------------------------------------------------------------------


def test_camera_admits_a_real_ticket_and_refuses_a_forged_one(
    scanner, urls, organizer_token, steward, cam_file, screenshots, tmp_path
):
    make_activity(
        urls, organizer_token, "scan-cam", title={"zh": "巨幕影院·扫码专场", "en": "IMAX scan test"}
    )
    code = register(urls, "scan-cam", "13700000001", 1)
    wait_projected(urls, steward, "scan-cam")
    sign_in(scanner, urls, steward, "1号门")

    camera.show(cam_file, code)
    n = seq(scanner)
    scanner.get_by_role("button", name="打开摄像头扫码").click()
    v = verdict(scanner, "ok", n)
    assert v["head"] == "✓ 入场 1 人" and "巨幕影院·扫码专场" in v["meta"]
    scanner.wait_for_function("() => document.querySelector('#verdict').dataset.frameMs !== undefined")
    ms = float(scanner.locator("#verdict").get_attribute("data-frame-ms"))
    print(f"\nframe-to-verdict (camera, online, POST included): {ms:.1f} ms")
    assert scanner.locator("#gate-count").inner_text() == "1"  # counted at once, not at the next refresh
    scanner.screenshot(path=str(screenshots / "scanner-green.png"))
    wait_for(lambda: attendance(urls, steward, "scan-cam").get("checked_in") == 1, what="one check-in")
    assert scanner.locator("#gate-count").inner_text() == "1"

    # A ticket signed by another key: red, "无效票", and nothing more is admitted.
    scanner.get_by_role("button", name="关闭摄像头").click()
    camera.show(cam_file, forged("scan-cam", tmp_path))
    n = seq(scanner)
    scanner.get_by_role("button", name="打开摄像头扫码").click()
    v = verdict(scanner, "refused", n)
    assert (v["head"], v["reason"]) == ("无效票", "invalid")
    scanner.wait_for_function("() => document.querySelector('#verdict').dataset.frameMs !== undefined")
    print(
        f"frame-to-verdict (camera, forged): {scanner.locator('#verdict').get_attribute('data-frame-ms')} ms"
    )
    scanner.screenshot(path=str(screenshots / "scanner-red.png"))
    scanner.get_by_role("button", name="关闭摄像头").click()
    assert attendance(urls, steward, "scan-cam")["checked_in"] == 1
    no_csp_problems(scanner)


def test_a_party_is_counted_with_the_stepper(scanner, urls, organizer_token, steward, screenshots):
    make_activity(urls, organizer_token, "scan-party")
    code = register(urls, "scan-party", "13700000002", 3)
    sign_in(scanner, urls, steward, "2号门")

    n = seq(scanner)
    type_code(scanner, code)
    verdict(scanner, "pending", n)
    assert scanner.locator("#party-size").inner_text() == "3 人"
    assert scanner.locator("#step-value").inner_text() == "3"
    scanner.click("#step-minus")
    assert scanner.locator("#party-confirm").inner_text() == "确认入场 2 人"
    scanner.screenshot(path=str(screenshots / "scanner-party.png"))
    n = seq(scanner)
    scanner.click("#party-confirm")
    v = verdict(scanner, "ok", n)
    assert (v["head"], v["sub"]) == ("✓ 入场 2 人", "还剩 1 人未入场")

    # The third member comes later: the stepper starts at the one left.
    n = seq(scanner)
    type_code(scanner, code)
    verdict(scanner, "pending", n)
    assert scanner.locator("#step-value").inner_text() == "1"
    n = seq(scanner)
    scanner.click("#party-confirm")
    assert verdict(scanner, "ok", n)["head"] == "✓ 入场 1 人"

    n = seq(scanner)
    type_code(scanner, code)
    v = verdict(scanner, "refused", n)
    assert (
        v["reason"] == "already_checked_in"
        and v["head"].startswith("已入场 ")
        and v["head"].endswith(" 2号门")
    )
    wait_for(lambda: attendance(urls, steward, "scan-party").get("checked_in") == 3, what="three people in")
    no_csp_problems(scanner)


def test_offline_scans_are_judged_locally_and_uploaded_once(
    scanner, urls, organizer_token, steward, screenshots, tmp_path
):
    make_activity(
        urls, organizer_token, "scan-offline", title={"zh": "球幕影院·离线测试", "en": "Dome offline"}
    )
    two = register(urls, "scan-offline", "13700000003", 2)
    three = register(urls, "scan-offline", "13700000004", 3)
    wait_projected(urls, steward, "scan-offline")
    sign_in(scanner, urls, steward, "3号门")

    scanner.context.set_offline(True)
    scanner.wait_for_selector('#net[data-online="0"]')
    assert scanner.locator("#net-text").inner_text() == "离线"
    for code, size in ((two, 2), (three, 3)):
        n = seq(scanner)
        type_code(scanner, code)
        verdict(scanner, "pending", n)
        assert scanner.locator("#step-value").inner_text() == str(size)
        n = seq(scanner)
        scanner.click("#party-confirm")
        v = verdict(scanner, "ok", n)
        assert v["head"] == f"✓ 入场 {size} 人" and "离线核验，待上传" in v["meta"]
    scanner.screenshot(path=str(screenshots / "scanner-offline-green.png"))

    # The same ticket again: this device has admitted it, so it refuses on its own.
    n = seq(scanner)
    type_code(scanner, two)
    v = verdict(scanner, "refused", n)
    assert v["reason"] == "already_checked_in" and v["head"].endswith(" 3号门") and v["sub"] == "本机记录"
    assert scanner.locator("#queue-len").inner_text() == "2"
    assert scanner.locator("#gate-count").inner_text() == "5"
    scanner.screenshot(path=str(screenshots / "scanner-offline-queue.png"))
    n = seq(scanner)
    type_code(scanner, forged("scan-offline", tmp_path))
    assert verdict(scanner, "refused", n)["head"] == "无效票"
    assert attendance(urls, steward, "scan-offline")["checked_in"] == 0  # nothing reached the server yet
    scanner.get_by_role("button", name="退出登录").click()  # refused: the queue needs this sign-in
    assert "还有 2 条离线记录未上传" in scanner.locator("#logout-msg").inner_text()
    assert scanner.locator("#door").is_visible()

    # A reload with no network: the service worker serves the page, the queue is still there.
    scanner.reload()
    scanner.wait_for_selector("#door:not([hidden])")
    assert scanner.locator("#queue-len").inner_text() == "2"

    scanner.context.set_offline(False)
    scanner.wait_for_selector('#net[data-online="1"]')
    wait_for(lambda: scanner.locator("#queue-len").inner_text() == "0", what="the queue uploaded")
    att = wait_for(
        lambda: (a := attendance(urls, steward, "scan-offline")).get("checked_in") == 5 and a,
        what="five people in",
    )
    assert att["gates"] == [{"gate": "3号门", "checked_in": 5}]
    wait_for(
        lambda: scanner.locator("#gate-count").inner_text() == "5", what="the gate count from the server"
    )
    assert scanner.locator("#conflicts").is_hidden()
    # Uploading again changes nothing: each scan went up with its nonce, and a repeat returns the first.
    scanner.evaluate("() => new Promise(r => setTimeout(r, 4500))")
    assert attendance(urls, steward, "scan-offline")["checked_in"] == 5
    no_csp_problems(scanner)


def test_an_offline_standby_ticket_is_admitted_whole_and_uploaded_once(scanner, urls, organizer_token, steward,
                                                                       stack_settings, screenshots):  # fmt: skip
    """Issue 15 §3: a called walk-in's standby ticket, judged on the device while offline."""
    from services.checkin.standby.store import StandbyStore

    aid = "scan-sb-offline"
    make_activity(urls, organizer_token, aid)
    absent = register(urls, aid, "13700000009", 2)  # a party that will not come: 2 seats for standby
    wait_projected(urls, steward, aid)
    store = StandbyStore(connect(stack_settings.redis_url), stack_settings)
    wait_for(lambda: store.redis.hlen(store.projection.regs_key(aid)) == 1, what="the party at the door")
    store.join(aid, "h-offline", {"party_size": 2, "phone_sealed": "SX1.notify.1.x", "locale": "zh-CN"})
    now = datetime.now(TZ)
    assert store.release(aid, now.isoformat())["released"] == 2
    assert [c["number"] for c in store.call(aid, 0, now.isoformat())] == [1]
    t = KeyRing.load(stack_settings.keys_dir).verify(absent)  # the activity's signed window
    code = KeyRing.load(stack_settings.keys_dir).sign_standby(
        number=1,
        activity_id=aid,
        venue_id=VENUE,
        party_size=2,
        valid_from=t.valid_from,
        valid_until=t.valid_until,
    )
    sign_in(scanner, urls, steward, "5号门")
    scanner.context.set_offline(True)
    scanner.wait_for_selector('#net[data-online="0"]')
    n = seq(scanner)
    type_code(scanner, code)
    v = verdict(scanner, "ok", n)  # whole party, no count to confirm
    assert v["head"] == "✓ 入场 2 人" and "离线核验，待上传" in v["meta"], v
    n = seq(scanner)
    type_code(scanner, code)
    assert verdict(scanner, "refused", n)["reason"] == "already_checked_in"
    scanner.evaluate("window.scrollTo(0, 0)")
    scanner.screenshot(path=str(screenshots / "scanner-offline-standby.png"))
    scanner.context.set_offline(False)
    scanner.wait_for_selector('#net[data-online="1"]')
    wait_for(lambda: scanner.locator("#queue-len").inner_text() == "0", what="the queue uploaded")
    board = f"{urls['checkin']}/api/v1/activities/{aid}/standby"
    wait_for(lambda: requests.get(board, headers=bearer(steward), timeout=5).json()["admitted"] == 2,
             what="the walk-in admitted on the server")  # fmt: skip
    assert scanner.locator("#conflicts").is_hidden()
    no_csp_problems(scanner)


def test_an_offline_admission_the_server_refuses_is_listed(scanner, urls, organizer_token, steward):
    make_activity(urls, organizer_token, "scan-clash")
    code = register(urls, "scan-clash", "13700000005", 1)
    wait_projected(urls, steward, "scan-clash")
    sign_in(scanner, urls, steward, "4号门")
    scanner.context.set_offline(True)
    scanner.wait_for_selector('#net[data-online="0"]')
    # Meanwhile another gate admits the same ticket online.
    r = requests.post(
        f"{urls['checkin']}/api/v1/checkins",
        json={"code": code, "gate": "5号门"},
        headers=bearer(steward),
        timeout=5,
    )
    assert r.status_code == 201, r.text
    n = seq(scanner)
    type_code(scanner, code)
    assert verdict(scanner, "ok", n)["head"] == "✓ 入场 1 人"  # this device cannot know
    scanner.context.set_offline(False)
    wait_for(lambda: scanner.locator("#queue-len").inner_text() == "0", what="the queue uploaded")
    scanner.wait_for_selector("#conflicts:not([hidden])")
    item = scanner.locator("#conflict-list li").first.inner_text()
    assert "已入场" in item and "5号门" in item
    assert attendance(urls, steward, "scan-clash")["checked_in"] == 1
    # And this device now knows: scanning it again is refused at once.
    n = seq(scanner)
    type_code(scanner, code)
    assert verdict(scanner, "refused", n)["head"].endswith(" 5号门")


def test_the_page_reads_tickets_exactly_as_shared_tickets(phone, urls, tmp_path, screenshots):
    ring = KeyRing.load_or_create(tmp_path / "keys")
    codes = [
        ring.sign(
            registration_id=rid,
            activity_id=aid,
            venue_id=vid,
            party_size=party,
            valid_from=vf,
            valid_until=vu,
        )
        for rid, aid, vid, party, vf, vu in [
            ("aaaaaaaaaaaaaaaa", "a", "v", 1, 0, 1),
            ("7777777777777777", "x" * 64, "ln-stm", 20, 1_700_000_000, 4_294_967_295),
            ("mfrggzdfmztwq2lk", "scan-cam", "siping-science-week", 4, 1_780_000_000, 1_780_007_200),
        ]
    ]
    # A called walk-in's standby ticket (issue 15 §3): its own kind, read with its number.
    codes.append(ring.sign_standby(number=4_000_000_042, activity_id="scan-cam", venue_id="ln-stm", party_size=3,
                                   valid_from=1_780_000_000, valid_until=1_780_007_200))  # fmt: skip
    phone.goto(f"{urls['checkin']}/scan?lang=en")
    assert phone.locator("h1").inner_text() == "Staff sign-in"
    phone.screenshot(path=str(screenshots / "scanner-sign-in-en.png"))
    result = phone.evaluate(
        """async ([keys, codes]) => {
        const m = await import('/static/js/ticket.js');
        const out = [];
        for (const fallback of [false, true]) {
          m.forceFallback(fallback);
          const ks = new m.KeySet(keys);
          for (const c of codes) out.push(await ks.verify(c).catch(e => ({error: e.reason})));
          const bad = codes[0].slice(0, -3) + (codes[0].at(-3) === 'A' ? 'B' : 'A') + codes[0].slice(-2);
          out.push(await ks.verify(bad).catch(e => ({error: e.reason})));
          out.push(await ks.verify(codes[0] + '=').catch(e => ({error: e.reason})));
          out.push(m.verifier());
        }
        return out;
    }""",
        [ring.public_list(), codes],
    )
    expected = []
    for c in codes:
        t = ring.verify(c)
        assert t == Ticket.parse(b64d(c[4:])[:-64], t.kind)
        read = {
            "key_id": t.key_id,
            "registration_id": t.registration_id,
            "party_size": t.party_size,
            "valid_from": t.valid_from,
            "valid_until": t.valid_until,
            "activity_id": t.activity_id,
            "venue_id": t.venue_id,
            "kind": t.kind,
        }
        if t.standby_number is not None:
            read |= {
                "standby_number": t.standby_number,
                "registration_id": f"standby:{t.activity_id}:{t.standby_number}",
            }
        expected.append(read)
    assert expected[-1]["standby_number"] == 4_000_000_042
    invalid = {"error": "invalid"}
    assert result == expected + [invalid, invalid, "webcrypto"] + expected + [invalid, invalid, "noble"]


def test_offline_refusals_say_why(scanner, urls, organizer_token, steward):
    make_activity(urls, organizer_token, "scan-rules")
    r = requests.post(
        f"{urls['registration']}/api/v1/activities/scan-rules/registrations",
        timeout=10,
        json={"name": "周", "phone": "13700000006", "organization": "东北大学", "party_size": 1},
    )
    cancelled, token = r.json()["ticket"]["code"], r.json()["manage_url"].split("t=")[1]
    assert (
        requests.delete(
            f"{urls['registration']}/api/v1/registrations/{r.json()['registration_id']}",
            params={"token": token},
            timeout=10,
        ).status_code
        == 200
    )
    make_activity(
        urls,
        organizer_token,
        "scan-elsewhere",
        venue={"id": "siping-science-week", "name": "四平市科技馆", "address": "四平市铁西区"},
    )
    elsewhere = register(urls, "scan-elsewhere", "13700000007", 1)
    requests.post(
        f"{urls['registration']}/api/v1/activities",
        json=activity_doc("scan-later"),  # in 3 days
        headers=bearer(organizer_token),
        timeout=10,
    ).raise_for_status()
    later = register(urls, "scan-later", "13700000008", 1)
    wait_projected(urls, steward, "scan-later")
    wait_for(
        lambda: any(
            a["id"] == "scan-rules" and a["revoked"]
            for a in requests.get(
                f"{urls['checkin']}/api/v1/scanner/state", headers=bearer(steward), timeout=5
            ).json()["activities"]
        ),
        what="the cancellation in the scanner state",
    )

    sign_in(scanner, urls, steward, "1号门")
    scanner.context.set_offline(True)
    scanner.wait_for_selector('#net[data-online="0"]')
    seen = {}
    for name, code in (("cancelled", cancelled), ("elsewhere", elsewhere), ("later", later)):
        n = seq(scanner)
        type_code(scanner, code)
        seen[name] = verdict(scanner, "refused", n)
    assert (seen["cancelled"]["head"], seen["cancelled"]["reason"]) == ("票已取消", "revoked")
    assert (seen["elsewhere"]["head"], seen["elsewhere"]["reason"]) == ("非本场馆", "wrong_venue")
    assert (seen["later"]["head"], seen["later"]["reason"]) == ("未到入场时间", "invalid_time")
    assert seen["later"]["sub"].endswith("开始入场")
    assert scanner.locator("#queue-len").inner_text() == "0"
    # And the window's other side, judged by the same rules in the page.
    too_late = scanner.evaluate("""async () => {
        const {judge} = await import('/static/js/doorbook.js');
        const ticket = {registration_id: 'r', activity_id: 'a', venue_id: 'v', party_size: 2,
                        valid_from: 100, valid_until: 200};
        return [judge(ticket, {venue: null, activities: []}, null, 300),
                judge(ticket, {venue: null, activities: [{id: 'a', status: 'scheduled', opens_at: 0,
                                                          closes_at: 400, revoked: []}]}, null, 300),
                judge(ticket, {venue: 'v', activities: []}, {admitted: 1}, 150)];
    }""")
    assert too_late[0] == {  # the window and the moment, so the verdict can name the day (issue 17)
        "ok": False, "reason": "invalid_time", "side": "too_late", "opens_at": 100, "closes_at": 200, "now": 300
    }  # fmt: skip
    assert too_late[1]["ok"] is True  # the activity as the server knows it wins over the signed window
    assert too_late[2]["ok"] is True and too_late[2]["remaining"] == 1
    no_csp_problems(scanner)


def test_times_on_the_scanner_are_in_the_festival_time_zone(scanner, urls, stack_settings):
    """verdict.js formats "admitted at HH:MM" in Settings.timezone, which the page carries."""
    scanner.goto(f"{urls['checkin']}/scan")
    assert scanner.evaluate("document.documentElement.dataset.tz") == stack_settings.timezone
    at = datetime(2026, 5, 30, 6, 0, tzinfo=UTC)
    shown = scanner.evaluate(
        "(iso) => import('/static/js/verdict.js').then((m) => m.hm(iso))", at.isoformat()
    )
    assert shown == at.astimezone(ZoneInfo(stack_settings.timezone)).strftime("%H:%M")
    no_csp_problems(scanner)

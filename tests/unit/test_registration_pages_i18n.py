"""Every registration page, and every validation error on the form, in both languages.

A Chinese page holds no English sentence and an English page no Chinese: the visible text (and
``alt``/``placeholder``/``title``/``aria-label``) is checked by script. Allowed on a Chinese
page: digits, URLs, and the tokens in ``LATIN_OK``; the language switch is in the other
language on purpose and is left out, as is what registrants and organizers typed (venue, hall,
names). The app runs on the Redis stores (the session's Redis), a fake clock and signer.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest

from services.registration.bootstrap import EXTENSION
from services.registration.privacy import consent
from services.registration.seats import publishing, usecases
from tests.unit.registration_ports import app_ports, own_prefix
from tests.unit.registration_scenarios import activity_doc

HAN = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")
LATIN_OK = {"QR", "IMAX", "ID"}
URLISH = re.compile(r"\S+://\S+|\S+@\S+")
LANGS = ("zh-CN", "en")


class VisibleText(HTMLParser):
    """Text a person sees or hears, without scripts, styles and the language switch."""

    SKIP = {"script", "style"}
    ATTRS = ("alt", "placeholder", "title", "aria-label")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in self.SKIP or (tag == "nav" and "lang" in (a.get("class") or "")):
            self._skip.append(tag)
        if not self._skip:
            self.parts += [a[k] for k in self.ATTRS if a.get(k)]

    def handle_endtag(self, tag):
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible(html: str, data: list[str]) -> str:
    parser = VisibleText()
    parser.feed(html)
    text = " \n".join(parser.parts)
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    return URLISH.sub(" ", text)


def wrong_script(text: str, lang: str) -> list[str]:
    if lang == "en":
        return sorted(set(HAN.findall(text)))
    return sorted({w for w in LATIN_WORD.findall(text) if w not in LATIN_OK})


# -- the app on fakes --------------------------------------------------------------------------
AUDIENCE = "sci_workers_and_families"
DATA = [
    "辽宁省科学技术馆",
    "沈阳市浑南区智慧三街159号",
    "巨幕影院",
    "巨幕科技工作者专场",
    "IMAX special screening",
]
PEOPLE = ["张三", "李四", "王五"]


def app_on_redis(redis_server, keys_dir):
    """The registration app with its ports on Redis, on the real clock (the pages read it)."""
    from services.registration.app import create_app
    from shared.config import load

    settings = load(
        {
            "redis_url": redis_server["redis_url"],
            "redis_prefix": own_prefix(),
            "kafka_bootstrap_servers": "127.0.0.1:1",
            "keys_dir": keys_dir,
        }
    )
    app = create_app(settings)
    return app, app_ports(app, settings)


@pytest.fixture(scope="module")
def site(tmp_path_factory, redis_server):
    app, ports = app_on_redis(redis_server, tmp_path_factory.mktemp("keys"))
    now = ports.clock.now()
    publish = lambda aid, **over: publishing.publish_activity(ports, activity_doc(ports, aid, **over))  # noqa: E731
    publish("open", audience=AUDIENCE, capacity=10, max_party_size=3)
    publish("fullwl", capacity=1)
    publish("full", capacity=1, waitlist={"enabled": False, "max_length": 0})
    publish("soon", registration_opens_at=now + timedelta(days=1))
    publish(
        "closed",
        registration_opens_at=now - timedelta(days=2),
        registration_closes_at=now - timedelta(hours=1),
    )
    publish("gone", capacity=5)
    publishing.cancel_activity(ports, "gone", "场馆检修")
    form = {"name": "李四", "phone": "13900000001", "party_size": 1, "email": None, "organization": None}
    confirmed = usecases.register(ports, "fullwl", form)
    waiting = usecases.register(ports, "fullwl", dict(form, phone="13900000002", name="王五"))
    usecases.register(ports, "full", dict(form, phone="13900000003"))
    gone = usecases.register(ports, "open", dict(form, phone="13900000004", organization="沈阳分院"))
    usecases.cancel(ports, gone["registration_id"], gone["manage_token"])
    regs = {"confirmed": confirmed, "waitlisted": waiting, "cancelled": gone}
    return app, regs


def get(app, path: str, lang: str):
    client = app.test_client()
    sep = "&" if "?" in path else "?"
    return client.get(f"{path}{sep}lang={lang}")


def post_form(app, aid: str, lang: str, **form):
    client = app.test_client()
    page = client.get(f"/a/open?lang={lang}").get_data(as_text=True)  # a page with a form
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    body = {
        "csrf_token": token,
        "name": "张三",
        "phone": "13800000001",
        "organization": "沈阳分院",
        "party_size": "1",
        "consent": "1",  # the notice and consent (issue 16)
    }
    body.update(form)
    return client.post(f"/a/{aid}?lang={lang}", data=body)


def assert_one_language(resp, lang: str, *extra_data: str):
    text = visible(resp.get_data(as_text=True), DATA + PEOPLE + list(extra_data))
    assert text.strip(), "an empty page proves nothing"
    assert wrong_script(text, lang) == [], text


PAGES = [
    "/",
    "/a/open",
    "/a/fullwl",
    "/a/full",
    "/a/soon",
    "/a/closed",
    "/a/gone",
    "/a/nope",
    "/t/nope?t=x",
    "/r/nope?t=x",
    "/privacy",
]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", PAGES)
def test_each_page_speaks_one_language(site, path, lang):
    app, _regs = site
    assert_one_language(get(app, path, lang), lang, "场馆检修")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("which", ["confirmed", "waitlisted", "cancelled"])
def test_ticket_and_manage_pages_speak_one_language(site, which, lang):
    app, regs = site
    reg = regs[which]
    for page in ("t", "r"):
        resp = get(app, f"/{page}/{reg['registration_id']}?t={reg['manage_token']}", lang)
        if resp.status_code == 303:  # no ticket: the ticket link shows the manage page
            resp = get(app, resp.headers["Location"], lang)
        assert resp.status_code == 200
        assert_one_language(resp, lang)


# Each way the form can be refused: (form fields, the field that must carry an error or None
# for a banner).
REFUSALS = {
    "empty_name": ({"name": ""}, "name"),
    "name_with_digits": ({"name": "张3"}, "name"),
    "name_with_emoji": ({"name": "张😀"}, "name"),
    "not_a_mobile": ({"phone": "12345"}, "phone"),
    "no_phone": ({"phone": ""}, "phone"),
    "bad_email": ({"email": "not-an-email"}, "email"),
    "long_email": ({"email": "a" * 250 + "@x.cn"}, "email"),
    "no_organization": ({"organization": ""}, "organization"),
    "long_organization": ({"organization": "单" * 101}, "organization"),
    "party_not_a_number": ({"party_size": "两"}, "party_size"),
    "party_zero": ({"party_size": "0"}, "party_size"),
    "party_over_activity_limit": ({"party_size": "4"}, "party_size"),
    "party_over_form_limit": ({"party_size": "11"}, "party_size"),
    "already_registered": ({"phone": "13900000004"}, None),  # cancelled earlier: free again
}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_each_validation_error_speaks_the_page_language(site, case, lang):
    app, _regs = site
    form, field = REFUSALS[case]
    resp = post_form(app, "open", lang, **form)
    if case == "already_registered":  # the first attempt registers; the second is refused
        resp = post_form(app, "open", lang, **form)
    html = resp.get_data(as_text=True)
    assert resp.status_code in (409, 422), (case, resp.status_code)
    if field:
        assert re.search(rf'id="f-{field}"[^>]*aria-invalid="true"|field-error', html), case
    else:
        assert 'class="banner error"' in html
    assert_one_language(resp, lang, *[v for v in form.values() if v])


@pytest.mark.parametrize("lang", LANGS)
def test_a_refusal_banner_speaks_the_page_language(site, lang):
    app, _regs = site
    resp = post_form(app, "full", lang, phone="13700000001")
    assert resp.status_code == 409 and 'class="banner error"' in resp.get_data(as_text=True)
    assert_one_language(resp, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_an_expired_form_speaks_the_page_language(site, lang):
    app, _regs = site
    resp = app.test_client().post(f"/a/open?lang={lang}", data={"name": "张三"})
    assert resp.status_code == 400
    assert_one_language(resp, lang)


def test_the_checks_catch_mixed_text():
    assert wrong_script(visible("<p>长度 must be between 1 and 50</p>", []), "zh-CN") == [
        "and",
        "be",
        "between",
        "must",
    ]
    assert wrong_script(visible("<p>Length must be 1；只能</p>", []), "en") == sorted("；只能")
    assert wrong_script(visible('<p>出示 QR 码</p><nav class="lang"><a>English</a></nav>', []), "zh-CN") == []


@pytest.mark.parametrize("lang", LANGS)
def test_the_rate_limit_banner_speaks_the_page_language(site, lang):
    app, _regs = site
    ports = app.extensions[EXTENSION]
    ports.phone_per_min = 1
    try:
        phone = "1360000000" + ("1" if lang == "en" else "2")
        post_form(app, "fullwl", lang, phone=phone)  # counted (and waitlisted)
        resp = post_form(app, "fullwl", lang, phone=phone)
    finally:
        ports.phone_per_min = 0
    assert resp.status_code == 429 and 'class="banner error"' in resp.get_data(as_text=True)
    assert_one_language(resp, lang)


@pytest.mark.parametrize("lang", LANGS)
def test_the_form_asks_for_consent_first_in_the_page_language(site, lang):
    app, _regs = site
    resp = post_form(app, "open", lang, consent="")
    assert resp.status_code == 422 and 'class="field-error"' in resp.get_data(as_text=True)
    assert ("Read and tick your consent" if lang == "en" else "请阅读并勾选同意") in resp.get_data(
        as_text=True
    )
    assert_one_language(resp, lang)
    assert get(app, "/a/open", lang).get_data(as_text=True).count('href="/privacy"') == 1


def test_the_consent_given_on_the_form_is_kept_as_proof_with_the_registration(tmp_path, redis_server):
    """When and to which notice text (consent.py): nothing personal beyond the registration."""
    app, ports = app_on_redis(redis_server, tmp_path)
    publishing.publish_activity(ports, activity_doc(ports, "open", audience=AUDIENCE, capacity=10))
    resp = post_form(app, "open", "zh-CN", phone="13900000077")
    assert resp.status_code == 303, resp.get_data(as_text=True)
    rid = re.search(r"/[tr]/([a-z0-9]+)\?", resp.headers["Location"]).group(1)
    proof = ports.seats.get_registration(rid)["consent"]
    assert proof == {
        "given_at": ports.clock.now().isoformat(timespec="seconds"),
        "notice": consent.notice_version(),
        "scope": consent.BASIC,
    }
    assert re.fullmatch(r"sha256:[0-9a-f]{16}", proof["notice"])
    # an API registration (no form, no consent asked) keeps no proof it does not have
    api = usecases.register(
        ports, "open", {"name": "王五", "phone": "13900000078", "party_size": 1, "organization": "沈阳分院"}
    )
    assert "consent" not in ports.seats.get_registration(api["registration_id"])

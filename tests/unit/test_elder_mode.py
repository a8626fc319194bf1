"""长辈模式 (issue 29): the mode comes from ?mode= or the cookie, the switch keeps the page's
arguments, and the server renders the page in the mode (no flash, no script)."""

from __future__ import annotations

import pytest
from flask import Flask, make_response

from services.registration.web import mode
from tests.unit.test_registration_pages_i18n import app_on_redis

bare = Flask(__name__)


@pytest.mark.parametrize(
    ("query", "cookie", "want"),
    [
        ("", None, mode.STANDARD),
        ("", "elder", mode.ELDER),
        ("?mode=elder", None, mode.ELDER),
        ("?mode=standard", "elder", mode.STANDARD),  # the tap wins over the cookie
        ("?mode=huge", None, mode.STANDARD),
    ],
)
def test_the_mode_is_the_query_then_the_cookie_then_standard(query, cookie, want):
    headers = {"Cookie": f"mode={cookie}"} if cookie else {}
    with bare.test_request_context(f"/t/r1{query}", headers=headers):
        assert mode.mode() == want


def test_the_switch_keeps_the_pages_arguments():
    with bare.test_request_context("/t/r1?t=abc&lang=en&mode=standard"):
        assert mode.mode_url("elder") == "/t/r1?t=abc&lang=en&mode=elder"


def test_a_page_a_post_answered_switches_on_the_list():
    with bare.test_request_context("/r/r1/cancel", method="POST"):
        assert mode.mode_url("elder") == "/?mode=elder"


def test_only_a_known_mode_on_a_page_is_remembered():
    with bare.test_request_context("/?mode=elder"):
        got = mode.remember_mode(make_response("<p>", 200, {"Content-Type": "text/html"}))
        assert "mode=elder" in got.headers["Set-Cookie"]
    with bare.test_request_context("/?mode=huge"):
        assert (
            "Set-Cookie"
            not in mode.remember_mode(make_response("<p>", 200, {"Content-Type": "text/html"})).headers
        )


@pytest.fixture(scope="module")
def app(tmp_path_factory, redis_server):
    return app_on_redis(redis_server, tmp_path_factory.mktemp("keys"))[0]


@pytest.mark.parametrize(("lang", "switch"), [("zh-CN", "长辈模式"), ("en", "Large text")])
def test_a_page_is_rendered_standard_with_a_switch_to_large_text(app, lang, switch):
    html = app.test_client().get(f"/login?lang={lang}").get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert f'<a class="mode-switch" href="/login?lang={lang}&amp;mode=elder">{switch}</a>' in html


@pytest.mark.parametrize(
    ("lang", "switch", "more"), [("zh-CN", "标准模式", "更多"), ("en", "Standard", "More")]
)
def test_the_cookie_renders_large_text_with_the_secondary_links_folded(app, lang, switch, more):
    client = app.test_client()
    client.set_cookie("mode", "elder")
    html = client.get(f"/login?lang={lang}").get_data(as_text=True)
    assert f'<html lang="{lang}" class="elder">' in html
    assert f'<a class="mode-switch" href="/login?lang={lang}&amp;mode=standard">{switch}</a>' in html
    assert f'<details class="more"><summary>{more}</summary>' in html


def test_the_language_switch_keeps_the_pages_arguments(app):
    """It was ``?lang=en``: the ticket's ``t=`` (here the login's ``next=``) was lost."""
    html = app.test_client().get("/login?next=/me").get_data(as_text=True)
    assert '<a href="/login?next=%2Fme&amp;lang=en" lang="en">English</a>' in html

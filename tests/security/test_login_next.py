"""Issue 23 finding 5: after the SMS code, ``next`` sends the person only to a path on this site.

The probe: ``/login?next=/%09/evil.example/phish`` answered ``303 Location: //evil.example/phish``
(browsers drop the tab), and a CR/LF in ``next`` gave a 500.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from services.registration.access.pages import safe_next
from tests.integration.test_fair_pages import app, csrf, outbox

OFF_SITE = [
    "/%09/evil.example/phish",
    "/\t/evil.example/phish",
    "//evil.example/x",
    "/\\evil.example",
    "/%5Cevil.example",
    "/%2F/evil.example",
    "/%252F%252Fevil.example",
    "/%25252F%25252Fevil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "/x\r\nSet-Cookie: a=b",
    "/x%0d%0aSet-Cookie:%20a=b",
    "/x\x0bz",
    "/x\u2028z",
    " /me",
    "",
]


@pytest.mark.parametrize("nxt", OFF_SITE)
def test_next_off_the_site_falls_back_to_my_registrations(nxt):
    assert safe_next(nxt) == "/me"


@pytest.mark.parametrize("nxt", ["/me", "/a/imax-p", "/standby/sb-1?lang=en", "/a/%E4%B8%AD"])
def test_next_on_the_site_is_kept(nxt):
    assert safe_next(nxt) == nxt


@pytest.mark.parametrize("nxt", ["/\t/evil.example/phish", "/x\r\nSet-Cookie: a=b", "/\\/evil.example"])
def test_logging_in_with_a_crafted_next_lands_on_my_registrations(app, outbox, nxt):
    c = app.test_client()
    page = c.get("/login?next=" + quote(nxt))
    assert page.status_code == 200 and 'name="next" value="/me"' in page.get_data(True)
    form = {"csrf_token": csrf(page.get_data(True)), "phone": "13800138000", "next": nxt}
    r = c.post("/login", data=form)
    assert r.status_code == 200
    form = {**form, "csrf_token": csrf(r.get_data(True)), "code": outbox.sent[-1][1]}
    r = c.post("/login/verify", data=form)
    assert r.status_code == 303 and r.headers["Location"] == "/me"

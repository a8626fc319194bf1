"""The pages axe-core checks (tests/e2e/test_axe.py): every registrant, scanner and organizer page.

One entry a page: ``AxePage(name, url, needs_token)``. ``url`` builds the page's address from the
seeded :class:`Site` (the services' base URLs and the activities, registration and lottery the
test made); ``needs_token`` marks a staff page, checked at its sign-in form and again after
signing in with an organizer token. A page a form's POST answers gets there with ``then``: what
a person does on the page at ``url`` (a Playwright page in, nothing out). Registrant pages (no token, on registration) are checked in
both modes (standard and 长辈模式); every page in zh-CN and en.

To check a page another part adds (the window's staff page, the group page, the printable
ticket), append an entry here; seed what it needs in ``test_axe.seed``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple


@dataclass(frozen=True)
class Site:
    """What the pages' addresses are built from."""

    registration: str
    checkin: str
    open_aid: str  # an activity open for registration, with one registration
    lottery_aid: str  # an activity allocated by lottery, entries open
    queued_aid: str  # an activity whose release queue is open (registration opens soon)
    soon_aid: str  # an activity starting in 30 minutes: standby and the door are open
    rid: str  # the registration's id and its manage-link token
    token: str
    group_path: str  # the lottery's page: /lottery/g/<group id> (a v2 group of one)


class AxePage(NamedTuple):
    name: str
    url: Callable[[Site], str]
    needs_token: bool = False
    then: Callable[[Any], None] | None = None


def _reg(path: str) -> Callable[[Site], str]:
    return lambda s: s.registration + path.format(s=s)


def _chk(path: str) -> Callable[[Site], str]:
    return lambda s: s.checkin + path.format(s=s)


def _ask_to_cancel(page) -> None:
    """The manage page's cancel button: the first tap only asks (confirm.html). 长辈模式 folds it
    under "Change or cancel"."""
    fold = page.locator("details.fold:not([open]) summary")
    if fold.count():
        fold.click()
    page.locator("form[action$='/cancel'] button[type=submit]").click()
    page.wait_for_selector("input[name=confirm]", state="attached")


def _ask_for_a_code(page) -> None:
    """The login's first step: the code step comes back (a cooldown says so and shows it too)."""
    page.locator("#f-phone").fill("13912349003")
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_selector("#f-code")


PAGES: list[AxePage] = [
    # registrants (registration service), both modes
    AxePage("catalogue", _reg("/")),
    AxePage("activity-form", _reg("/a/{s.open_aid}")),
    AxePage("activity-lottery", _reg("/a/{s.lottery_aid}")),
    AxePage("lottery-page", _reg("/lottery/{s.lottery_aid}")),
    AxePage("lottery-fairness", _reg("{s.group_path}/fairness")),
    AxePage("queue-page", _reg("/a/{s.queued_aid}")),
    AxePage("login", _reg("/login?next=/me")),
    AxePage("login-code", _reg("/login?next=/me"), then=_ask_for_a_code),
    AxePage("mine", _reg("/me")),
    AxePage("ticket", _reg("/t/{s.rid}?t={s.token}")),
    AxePage("manage", _reg("/r/{s.rid}?t={s.token}")),
    AxePage("cancel-confirm", _reg("/r/{s.rid}?t={s.token}"), then=_ask_to_cancel),
    AxePage("erase", _reg("/me/{s.rid}/erase")),
    AxePage("standby-join", _reg("/standby/{s.soon_aid}")),
    AxePage("privacy", _reg("/privacy")),
    AxePage("bad-link", _reg("/t/{s.rid}?t=not-the-token")),
    # staff pages: a door poster and screen (no token), the organizers' and the scanners' pages
    AxePage("standby-poster", _reg("/standby/{s.soon_aid}/poster")),
    AxePage("organizer", _reg("/organizer"), needs_token=True),
    AxePage("organizer-forgiveness", _reg("/organizer/forgiveness"), needs_token=True),
    AxePage("scanner", _chk("/scan"), needs_token=True),
    AxePage("supervise", _chk("/supervise"), needs_token=True),
    AxePage("standby-desk", _chk("/standby-desk"), needs_token=True),
    AxePage("dashboard", _chk("/dashboard"), needs_token=True),
    AxePage("dashboard-activity", _chk("/dashboard/{s.open_aid}"), needs_token=True),
    AxePage("summary", _chk("/summary"), needs_token=True),
    AxePage("standby-screen", _chk("/standby/{s.soon_aid}/screen")),
    # issue 29: the window's staff page and the printable ticket (58 mm)
    AxePage("window-staff", _reg("/staff/window"), needs_token=True),
    AxePage("ticket-print", _reg("/t/{s.rid}/print?t={s.token}&paper=58")),
]


def registrant(page: AxePage, site: Site) -> bool:
    """A page a registrant sees: checked in both modes (长辈模式 is registration's)."""
    return not page.needs_token and page.url(site).startswith(site.registration) and "poster" not in page.name

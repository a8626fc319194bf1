"""The three services, the relay and the consumers as real processes, on free ports."""
from __future__ import annotations

import pytest

from sciday import embedded
from sciday.stack import Stack, StackOptions
from shared.auth import create_token
from shared.config import load
from shared.redis_scripts import connect


@pytest.fixture(scope="session")
def stack(servers, tmp_path_factory):
    var = tmp_path_factory.mktemp("stack")
    opts = StackOptions(
        var_dir=var, redis_url=servers["redis_url"], kafka=servers["kafka"],
        registration_port=embedded.free_port(), checkin_port=embedded.free_port(),
        notify_port=embedded.free_port(), workers=2, threads=4, seed=False,
        extra_env={"SCIDAY_REDIS_PREFIX": "e2e:", "SCIDAY_TOPIC_PREFIX": "e2e.",
                   "SCIDAY_KAFKA_SESSION_TIMEOUT_MS": "2000", "SCIDAY_KAFKA_HEARTBEAT_INTERVAL_MS": "500",
                   "SCIDAY_KAFKA_FETCH_MAX_WAIT_MS": "50",
                   # the rush comes from one address; rate limits have their own tests
                   "SCIDAY_RATE_LIMIT_IP_PER_MIN": "0", "SCIDAY_RATE_LIMIT_PHONE_PER_MIN": "0"})
    s = Stack(opts, out=open(var / "stack.out", "w"))
    s.start()
    try:
        assert s.wait_healthy(timeout=60), s.status_table()
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="session")
def stack_settings(stack):
    return stack.settings()


@pytest.fixture(scope="session")
def organizer_token(stack_settings):
    return create_token(connect(stack_settings.redis_url), stack_settings.redis_prefix, "organizer", "e2e organizer")


@pytest.fixture(scope="session")
def urls(stack):
    o = stack.opts
    return {name: f"http://127.0.0.1:{port}" for name, port in
            (("registration", o.registration_port), ("checkin", o.checkin_port), ("notify", o.notify_port))}


CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic",
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]


@pytest.fixture(scope="session")
def browser():
    """One real Chromium (Debian's) for the session, driven by Playwright."""
    import shutil
    from playwright.sync_api import sync_playwright
    path = shutil.which("chromium")
    assert path, "Chromium is missing: `make test` installs it (apt-get install -y chromium)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def phone(browser):
    """A phone-sized page (390×844 CSS px, as an iPhone 12), Chinese locale."""
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                              is_mobile=True, has_touch=True, locale="zh-CN")
    page = ctx.new_page()
    yield page
    ctx.close()


@pytest.fixture(scope="session")
def screenshots():
    from tests.conftest import ROOT
    path = ROOT / "var" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path

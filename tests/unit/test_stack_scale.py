"""`sciday up --scale N`: the plan of child processes, without starting any."""

from __future__ import annotations

import sys

import pytest

from sciday.cli import parser
from sciday.stack import Stack, StackOptions

pytestmark = pytest.mark.unit

WEB = {"registration": 8001, "checkin": 8002, "notify": 8003}
CONSUMERS = {"checkin-consumer": "services.checkin.consumer", "notify-consumer": "services.notify.consumer"}
MINE = set(WEB) | set(CONSUMERS) | {"relay"}


def _plan(tmp_path, scale: int):
    opts = StackOptions(
        var_dir=tmp_path,
        redis_url="redis://127.0.0.1:1/0",
        kafka="127.0.0.1:1",
        seed=False,
        scale=scale,
        sms_gateway_port=18004,
        smtp_port=11025,
        mailbox_port=18005,
    )
    return Stack(opts, out=sys.stderr)._plan()


def _base(name: str) -> str:
    head, _, tail = name.rpartition("-")
    return head if tail.isdigit() else name


def _port(child) -> int:
    return int(child.url.rsplit(":", 1)[1])


def test_scale_1_is_todays_stack(tmp_path):
    kids = [c for c in _plan(tmp_path, 1) if _base(c.name) in MINE]
    assert [c.name for c in kids] == [
        "registration",
        "checkin",
        "notify",
        "relay",
        "checkin-consumer",
        "notify-consumer",
    ]
    assert {c.name: _port(c) for c in kids if c.url} == WEB


def test_scale_2_runs_two_of_each_web_service_on_their_own_ports(tmp_path):
    kids = _plan(tmp_path, 2)
    web = {c.name: c for c in kids if _base(c.name) in WEB}
    expected = {f"{name}-{k + 1}": base + 10 * k for name, base in WEB.items() for k in range(2)}
    assert {n: _port(c) for n, c in web.items()} == expected
    for name, c in web.items():
        assert f"127.0.0.1:{_port(c)}" in c.args, c.args
        assert c.health == f"{c.url}/healthz"
        assert f"services.{_base(name)}.app:create_app()" in c.args
    # Each instance has its own metrics folder (gunicorn multiprocess) and its own log.
    proms = [c.env["PROMETHEUS_MULTIPROC_DIR"] for c in web.values()]
    assert len(set(proms)) == len(proms)
    assert len({c.name for c in kids}) == len(kids), "names are log file names: they must differ"


def test_scale_2_runs_two_consumers_per_group_and_one_relay(tmp_path):
    kids = _plan(tmp_path, 2)
    for name, module in CONSUMERS.items():
        members = [c for c in kids if _base(c.name) == name]
        assert [c.name for c in members] == [f"{name}-1", f"{name}-2"]
        assert all(c.args[-2:] == ["-m", module] and not c.url for c in members)
    relays = [c for c in kids if c.name.startswith("relay")]
    assert [c.name for c in relays] == ["relay"], "one relay: one cursor over one outbox stream"


def test_scale_below_one_is_refused(tmp_path):
    with pytest.raises(ValueError):
        _plan(tmp_path, 0)
    with pytest.raises(SystemExit):
        parser().parse_args(["up", "--scale", "0"])


def test_cli_scale_option():
    assert parser().parse_args(["up"]).scale == 1
    assert parser().parse_args(["up", "--scale", "3"]).scale == 3


def test_instance_urls_match_the_plan(tmp_path):
    opts = StackOptions(
        var_dir=tmp_path,
        redis_url="redis://127.0.0.1:1/0",
        kafka="127.0.0.1:1",
        seed=False,
        scale=2,
        sms_gateway_port=18004,
        smtp_port=11025,
        mailbox_port=18005,
    )
    stack = Stack(opts, out=sys.stderr)
    planned = {c.name: c.url for c in stack._plan()}
    for name in WEB:
        assert stack.instance_urls(name) == [planned[f"{name}-1"], planned[f"{name}-2"]]


BACKGROUND = {
    "relay",
    "lottery-scheduler",
    "retention",
    "standby-scheduler",
    "checkin-consumer",
    "notify-consumer",
    "noshow-worker",
}


@pytest.mark.parametrize("scale", [1, 2])
def test_the_pipeline_and_schedulers_are_background_and_nothing_people_wait_on_is(tmp_path, scale):
    kids = _plan(tmp_path, scale)
    assert {_base(c.name) for c in kids if c.background} == BACKGROUND
    for c in kids:
        if c.url:  # web services and the local stand-ins answer people (or stand in for outside)
            assert not c.background, c.name


def test_a_background_child_runs_at_the_nice_level_and_a_web_child_does_not(tmp_path):
    from sciday.stack import Child

    stack = Stack(
        StackOptions(
            var_dir=tmp_path,
            redis_url="redis://127.0.0.1:1/0",
            kafka="127.0.0.1:1",
            seed=False,
            background_nice=7,
        ),
        out=sys.stderr,
    )
    stack.logs.mkdir(parents=True)
    sleeper = [sys.executable, "-c", "import time; time.sleep(30)"]
    back, front = Child("relay", sleeper, background=True), Child("registration", sleeper)
    try:
        for c in (back, front):
            stack._spawn(c)
        import os

        mine = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, back.proc.pid) == min(19, mine + 7)
        assert os.getpriority(os.PRIO_PROCESS, front.proc.pid) == mine
    finally:
        for c in (back, front):
            if c.proc:
                c.proc.kill()
                c.proc.wait()


def test_sciday_up_puts_the_background_at_nice_10_unless_told():
    assert parser().parse_args(["up"]).background_nice == 10
    assert parser().parse_args(["up", "--background-nice", "0"]).background_nice == 0

"""Reminders with a clock moved by hand: scheduled durably, moved with the activity's time,
dropped on cancellation, never sent after the start.  Real Redis, gateway and mailbox; the
worker's handler, reminder tick and senders are driven step by step."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.notify.consumer import bootstrap
from tests.integration.notify_support import (
    TZ,
    FakeClock,
    activity_event,
    gateway,
    mailbox,
    notify_settings,
    phone,
    registration_event,
    snapshot,
)

S = datetime(2027, 5, 29, 14, 0, tzinfo=TZ)  # a Saturday screening
H = timedelta(hours=1)


@pytest.fixture
def clock():
    return FakeClock(S - timedelta(days=3))


@pytest.fixture
def worker(notify_settings, redis, clock):
    return bootstrap(notify_settings, redis, clock=clock)


def drain(worker) -> None:
    for sender in worker.senders.values():
        sender.drain()


def reminders_to(gateway) -> list[tuple[str, str]]:
    return [(m["phone"], m["text"]) for m in gateway.messages if m["template_id"] == "reminder.zh-CN"]


def test_reminders_follow_time_changes_and_cancellations(worker, clock, gateway, mailbox):
    aid = "imax-remind"
    a, b, c = ("ra", phone(1)), ("rb", phone(2)), ("rc", phone(3))
    handle = worker.notices.handle
    handle(activity_event("ActivityPublished", snapshot(aid, S)))
    handle(
        registration_event(
            "RegistrationConfirmed", aid, a[0], a[1], email="a@example.org", ticket_code="SD1.a"
        )
    )
    handle(registration_event("RegistrationConfirmed", aid, b[0], b[1]))
    handle(registration_event("RegistrationConfirmed", aid, c[0], c[1]))
    due = lambda: worker.reminders.scheduled(aid)  # noqa: E731
    assert due() == {
        f"{aid}|{r}|{off}": int((S - timedelta(minutes=off)).timestamp() * 1000)
        for r in ("ra", "rb", "rc")
        for off in (1440, 120)
    }

    # b cancels: b's reminders are dropped
    handle(registration_event("RegistrationCancelled", aid, b[0], b[1]))
    assert {m.split("|")[1] for m in due()} == {"ra", "rc"}

    clock.set(S - 24 * H - timedelta(minutes=1))
    assert worker.reminders.tick() == 0
    clock.set(S - 24 * H)
    assert worker.reminders.tick() == 2
    assert worker.reminders.tick() == 0  # fired once
    drain(worker)
    assert sorted(p for p, _ in reminders_to(gateway)) == [a[1], c[1]]
    assert all("将于24 小时后开始" in t for _, t in reminders_to(gateway))
    [mail] = [m for m in mailbox.messages if m["subject"].startswith("活动提醒")]
    assert mail["rcpt_tos"] == ["a@example.org"] and mail["attachments"][0]["filename"] == "ticket-qr.png"

    # The screening moves one day later: a notice to a and c, and the reminders move with it.
    s2 = S + 24 * H
    handle(activity_event("ActivityChanged", snapshot(aid, s2), changed=["ends_at", "starts_at"]))
    drain(worker)
    changed = [m for m in gateway.messages if m["template_id"] == "activity_changed.zh-CN"]
    assert sorted(m["phone"] for m in changed) == [a[1], c[1]]
    assert "5月30日（周日）14:00" in changed[0]["text"]
    assert sorted(due().values()) == sorted([int((s2 - d).timestamp() * 1000) for d in (24 * H, 2 * H)] * 2)

    clock.set(S - 2 * H)  # the old 2 h mark: nothing is due any more
    assert worker.reminders.tick() == 0

    # c cancels before the new time; a worker that was down sends a only the 2 h reminder
    # (the 24 h one is superseded), and only once.
    handle(registration_event("RegistrationCancelled", aid, c[0], c[1]))
    clock.set(s2 - 2 * H)
    assert worker.reminders.tick() == 1
    drain(worker)
    after = reminders_to(gateway)[2:]
    assert [p for p, _ in after] == [a[1]] and "将于2 小时后开始" in after[0][1]
    assert due() == {}


def test_no_reminder_is_sent_after_the_start(worker, clock, gateway, mailbox):
    aid = "imax-late"
    handle = worker.notices.handle
    handle(activity_event("ActivityPublished", snapshot(aid, S)))
    handle(registration_event("RegistrationConfirmed", aid, "rl", phone(7)))
    # the 2 h reminder became an intent, but the sender only got to it after the start
    clock.set(S - 2 * H)
    assert worker.reminders.tick() == 1
    clock.set(S + timedelta(minutes=1))
    drain(worker)
    assert reminders_to(gateway) == []
    log = {e["template"]: e for e in worker.deliveries.entries("rl")}
    assert log["reminder"]["status"] == "skipped"

    # a worker down across both due times fires nothing after the start
    handle(registration_event("RegistrationConfirmed", aid, "rm", phone(8)))
    assert worker.reminders.scheduled(aid) == {}  # registered after the start: nothing to schedule
    worker.reminders.schedule(aid, "rm", snapshot(aid, S + 10 * H))  # pretend the start was later
    clock.set(S + 11 * H)
    assert worker.reminders.tick() == 0


def test_registering_late_schedules_only_the_reminders_still_ahead(worker, clock):
    aid = "imax-soon"
    worker.notices.handle(activity_event("ActivityPublished", snapshot(aid, S)))
    clock.set(S - 10 * H)
    worker.notices.handle(registration_event("RegistrationConfirmed", aid, "rs", phone(9)))
    assert list(worker.reminders.scheduled(aid)) == [f"{aid}|rs|120"]
    # a waitlisted registration gets none until it is promoted
    worker.notices.handle(registration_event("RegistrationWaitlisted", aid, "rw", phone(10)))
    assert f"{aid}|rw|120" not in worker.reminders.scheduled(aid)
    worker.notices.handle(registration_event("WaitlistPromoted", aid, "rw", phone(10)))
    assert f"{aid}|rw|120" in worker.reminders.scheduled(aid)

"""Door rules in plain Python: the check-in window, verdict texts, masking names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.config import LOCAL_ZONE

TZ = LOCAL_ZONE  # Settings.timezone
OPENS_BEFORE = timedelta(minutes=60)
BUCKET_S = 300  # arrivals are counted per 5 minutes

# reason -> (HTTP status, Chinese verdict, English verdict); the scanner shows these.
REFUSALS = {
    "invalid": (400, "无效票", "Not a valid ticket"),
    "revoked": (409, "票已取消", "Ticket cancelled"),
    "already_checked_in": (409, "已入场", "Already checked in"),
    "seat_released": (409, "座位已释放给现场候补", "Seat released to standby (arrived after start + grace)"),
    "wrong_venue": (409, "非本场馆", "Ticket is for another venue"),
    "invalid_time": (409, "不在入场时间", "Outside the check-in window"),
    "activity_cancelled": (409, "活动已取消", "Activity cancelled"),
    "unknown_checkin": (404, "没有这条入场记录", "No such check-in"),
    "already_reverted": (409, "该入场记录已撤销", "This check-in was already undone"),
    "unknown_activity": (404, "没有这个活动", "No such activity"),
}


def window(activity: dict | None, ticket) -> tuple[int, int]:
    """Unix seconds: opens 60 minutes before the start, closes at the end.

    The activity as the projection knows it wins over the window signed into the ticket, so a
    moved screening is judged by its new time.
    """
    if activity:
        start = datetime.fromisoformat(activity["starts_at"]) - OPENS_BEFORE
        return int(start.timestamp()), int(datetime.fromisoformat(activity["ends_at"]).timestamp())
    return ticket.valid_from, ticket.valid_until


def judge_time(at: datetime, opens: int, closes: int) -> str | None:
    """None inside the window, else ``too_early`` or ``too_late``."""
    t = at.timestamp()
    if t < opens:
        return "too_early"
    if t > closes:
        return "too_late"
    return None


def bucket(at: datetime) -> int:
    t = int(at.timestamp())
    return t - t % BUCKET_S


def mask_name(name: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧***; staff see enough to greet, not to identify."""
    name = (name or "").strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def local_hm(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(TZ).strftime("%H:%M")


def now() -> datetime:
    return datetime.now(UTC)

"""The settings of one theme: the organizers' import, allocation beyond first come, first served (lottery, no-show, standby)
and the door.

Part of :class:`shared.config.Settings` (declared here, combined there; docs/settings.md lists
them all).
"""

from __future__ import annotations

from shared.settings_base import SettingsBase


class ActivitiesConfig(SettingsBase):
    # --- the organizers' spreadsheet import (services/registration/catalogue/importer.py) ---------------
    import_max_upload_bytes: int = 2 * 1024 * 1024
    """Bounds on what one upload may make the server read: the file, the rows and cells of the sheet, an
    XLSX's shared strings, and the bytes its zip parts inflate to, all parts together."""
    import_max_rows: int = 2000
    """Rows of one uploaded sheet, at most."""
    import_max_columns: int = 64
    """Columns of one uploaded sheet, at most."""
    import_max_cells: int = 100_000
    """Cells of one uploaded sheet, at most."""
    import_max_shared_strings: int = 50_000
    """Shared strings of one uploaded XLSX, at most."""
    import_max_inflated_bytes: int = 16 * 1024 * 1024
    """Bytes an uploaded XLSX's zip parts inflate to, all parts together, at most."""
    import_max_part_bytes: int = 8 * 1024 * 1024
    """Issue 23: bytes one zip part inflates to, at most (a 15.9 MB comment within the total still cost a
    worker 11 s of parsing)."""
    import_max_token_bytes: int = 256 * 1024
    """Bytes one token of a part (a text, a tag, a comment, a CDATA section) inflates to, at most."""
    import_day_opens: str = "09:00"
    """A multi-day range given by dates alone ("2026.12.15-12.20") opens daily at this hour; the preview
    marks it as assumed until the organizer confirms."""
    import_day_closes: str = "17:00"
    """...and closes daily at this hour."""
    # --- allocation beyond first come, first served (issue 15) ------------------------------
    lottery_confirm_hours: int = 0
    """Lottery (services/registration/lottery/draw.py): winners confirm within this many hours (0 = no
    confirmation)."""
    lottery_draw_lease_s: int = 60
    """The lottery draw's lease, in seconds."""
    lottery_publish_chunk: int = 1000
    """Lottery outcome events per Lua call."""
    lottery_poll_s: int = 5
    """How often the lottery scheduler looks for draws that are due, in seconds."""
    lottery_loss_extra: int = 1
    """sciday-lottery-v2 (docs/lottery.md): extra tickets in rounds after the first for each earlier
    draw of the festival a phone entered and lost (the plate lottery's idea); 0 turns weights off."""
    lottery_loss_cap: int = 3
    """At most this many earlier losses count towards an entry's weight (weight <= 1 + extra * cap)."""
    noshow_grace_min: int = 60
    """No-show record (services/registration/noshow/record.py), festival-wide; defaults after 上海博物馆 (3 no-shows lock
    60 days) within a 国家自然博物馆-like window (docs/china-booking-norms.md). Marks are made this long after
    the activity ends, in minutes."""
    noshow_late_cancel_hours: int = 24
    """Cancelling later than this before the start counts."""
    noshow_marks_to_lock: int = 3
    """No-show marks within noshow_window_days that lock a holder."""
    noshow_window_days: int = 90
    """Days over which no-show marks are counted."""
    noshow_lock_days: int = 60
    """Days a no-show lock lasts."""
    noshow_pepper: str = ""
    """Key of the holder hashes (HMAC of the phone / ID number): a credential, never committed."""
    standby_opens_before_min: int = 60
    """On-site standby (services/checkin/standby/usecases.py): walk-ins may join from this long before the start, in
    minutes."""
    standby_release_grace_min: int = 10
    """Unscanned confirmed seats are released to standby at start + this, in minutes."""
    standby_max_party_size: int = 4
    """The largest party that may join standby."""
    # --- the door (issue 16; services/checkin/door/usecases.py, docs/door.md) ----------------------
    door_clock_skew_s: int = 30
    """An offline scan's own time is taken only between the device's last online moment (a mark the server
    signs) and now plus this clock skew, in seconds."""
    door_offline_max_s: int = 8 * 3600
    """A mark older than this, in seconds, is refused, so an old mark cannot date a scan back to another day."""
    door_mark_key: str = ""
    """Key of those marks; "" = a file var/keys/door-mark.secret (make run). Every check-in replica must
    share it."""
    door_revocation_timeout_ms: int = 500
    """Registration tells the door of a cancellation at once (a signed call to check-in), beside the event;
    this long at most, so a cancellation never waits on a door that is down."""
    door_id_key: str = ""
    """Issue 23: the master key of the door hashes that match each real-name member's ID card
    (shared/door_id.py), shared by registration and check-in; "" = a file var/keys/door-id.secret (make
    run). A credential, set it in production."""
    door_id_required: bool = True
    """On: each member of a real-name party must show their card; a scan without a card admits only members
    booked without one."""

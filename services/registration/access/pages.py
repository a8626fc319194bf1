"""Pages of fair access: verifying the phone (a code by SMS or phone call, then the session cookie),
the form's real-name members, 我的报名 (my registrations). Server-rendered; no JavaScript needed."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import unquote, urlsplit

from flask import Blueprint, current_app, redirect, request

from services.registration import vocabulary as v
from services.registration.access import api as api_verification
from services.registration.access import identity, verification
from services.registration.bootstrap import ports
from services.registration.catalogue import activities
from services.registration.lottery import group_mine
from services.registration.noshow import outlook
from services.registration.queue import pages as queue_pages
from services.registration.seats import usecases
from services.registration.vocabulary import Refusal
from services.registration.web import mine as api_mine
from services.registration.web.edge import message_of
from services.registration.web.rendering import lang, local_time, render
from shared import csrf
from shared.masking import mask_phone as masked

bp = Blueprint("access_pages", __name__)


def message(exc: Refusal) -> str:
    return message_of(exc, lang())


def safe_next(value: str | None) -> str:
    """``value`` when it is a path on this site, else ``/me``.

    Judged on every decoding of it (``%2F`` -> ``/``, ``%252F`` -> ``%2F`` -> ``/``) until decoding
    changes nothing, since a browser or a proxy may decode again: any control or other unprintable
    character (a tab, CR or LF that a browser drops would turn ``/\t/host`` into ``//host``, and a
    CR/LF in a header is refused), any backslash (browsers read it as ``/``), a second leading
    ``/`` (a scheme-relative URL) or a scheme or host refuses it.
    """
    if not value or len(value) > NEXT_MAX:
        return "/me"
    text = value
    for _ in range(NEXT_DECODINGS):
        if not _same_site_path(text):
            return "/me"
        decoded = unquote(text)
        if decoded == text:
            return value
        text = decoded
    return "/me"  # still changing after so many decodings: no honest link looks like that


NEXT_MAX, NEXT_DECODINGS = 2000, 5


def _same_site_path(text: str) -> bool:
    if not text.startswith("/") or text.startswith("//") or "\\" in text or not text.isprintable():
        return False
    if text != text.strip() or any(ch.isspace() for ch in text):
        return False
    parts = urlsplit(text)
    return not parts.scheme and not parts.netloc


def verified_phone() -> str | None:
    return api_verification.verified_phone()


def party_shown(chosen: object, doc: dict) -> int:
    """How many member fieldsets the form shows: the chosen party size, 1 to the activity's most."""
    most = int(doc.get("max_party_size", 1))
    size = int(chosen) if isinstance(chosen, str) and chosen.isdigit() else 1
    return min(max(size, 1), most)


def real_name_party(form, doc: dict) -> dict:
    """The body's ``members``, ``party_size`` and ``name`` from the form's fieldsets: the first
    ``party_size`` of them (issue 26); a form without the size (before it) sends every fieldset."""
    chosen = form.get("party_size")
    most = party_shown(chosen, doc) if chosen else int(doc.get("max_party_size", 1))
    members = members_from_form(form, most)
    size = most if chosen else len(members) or 1
    return {"members": members or None, "party_size": size, "name": members[0]["name"] if members else ""}


def members_from_form(form, max_members: int) -> list[dict]:
    """The member fieldsets of the form; a fieldset left empty is no member."""
    out = []
    for i in range(max_members):
        name = form.get(f"m{i}_name", "").strip()
        id_type = form.get(f"m{i}_id_type", "resident_id")
        number = form.get(f"m{i}_id_number", "").strip()
        born = form.get(f"m{i}_birth_date", "").strip()
        if not (name or number or born):
            continue
        member = {"name": name, "id_type": id_type}
        if id_type == identity.NO_ID:
            member["birth_date"] = born or None
            guardian = form.get(f"m{i}_guardian", "").strip()
            member["guardian"] = int(guardian) if guardian.isdigit() else None
        else:
            member["id_number"] = number
        if id_type == "passport":  # its issuing country (issue 23)
            member["nationality"] = form.get(f"m{i}_nationality", "").strip().upper() or None
        out.append(member)
    return out


def _login(step: str, status: int = 200, **ctx):
    return render("login.html", status, step=step, next=safe_next(request.values.get("next")), **ctx)


@bp.get("/login")
def login_page():
    return _login("phone", phone_value="")


@bp.post("/login")
def login_code():
    """Step 1: send a code to the phone."""
    if not csrf.valid():
        return _login("phone", 400, banner=message(Refusal(v.CODE_EXPIRED)), phone_value="")
    w = api_verification.wiring()
    typed, channel = request.form.get("phone", ""), request.form.get("channel", "")
    try:
        sent = verification.request_code(
            typed,
            request.remote_addr or "-",
            lang(),
            channel=channel,
            store=w.store,
            sender=w.sender,
            policy=w.policy,
            secret=w.secret,
            now_ms=api_verification.now_ms(),
        )
    except Refusal as exc:
        if exc.reason == v.CODE_COOLDOWN:  # a code was sent a moment ago: ask for it, and count down
            wait = -(-int(exc.details.get("retry_ms", 0)) // 1000)
            return _login(
                "code",
                phone_value=typed,
                banner=message(exc),
                banner_kind="warn",
                masked_phone="",
                resend_after_s=wait,
            )
        return _login(
            "phone", 422 if exc.reason == v.PHONE_INVALID else 429, banner=message(exc), phone_value=typed
        )
    return _login(
        "code",
        phone_value=typed,
        masked_phone=sent["phone_masked"],
        banner=None,
        resend_after_s=sent["resend_after_s"],  # the setting (verify_resend_cooldown_s), not the script's
        channel=sent["channel"],
    )


@bp.post("/login/verify")
def login_verify():
    """Step 2: the code opens the session (cookie) and goes on to ``next``."""
    typed = request.form.get("phone", "")
    if not csrf.valid():
        return _login("phone", 400, banner=message(Refusal(v.CODE_EXPIRED)), phone_value=typed)
    w = api_verification.wiring()
    try:
        session = verification.verify(
            typed,
            request.form.get("code", "").strip(),
            store=w.store,
            policy=w.policy,
            secret=w.secret,
            now_ms=api_verification.now_ms(),
        )
    except Refusal as exc:
        step = "phone" if exc.reason in (v.TOO_MANY_ATTEMPTS, v.CODE_EXPIRED, v.PHONE_INVALID) else "code"
        return _login(step, 422, banner=message(exc), phone_value=typed, masked_phone="")
    resp = redirect(safe_next(request.form.get("next")), code=303)
    api_verification.set_cookie(resp, session.token, w.policy)
    return resp


@bp.post("/logout")
def logout():
    if csrf.valid():
        token = api_verification.session_token()
        if token:
            api_verification.wiring().store.end_session(verification.session_ref(token))
    resp = redirect("/", code=303)
    resp.delete_cookie(api_verification.COOKIE, path="/")
    return resp


@bp.get("/me")
def mine_page():
    try:
        phone, ref = api_mine.owner()
    except Refusal:
        return redirect("/login?next=/me", code=303)
    regs, record = api_mine.mine_and_record(phone, ref)
    entries = api_mine.my_entries(ref)  # v1's, then the groups' (ranked choices, per-round outcomes)
    return render(
        "mine.html",
        regs=regs,
        entries=[e for e in entries if "group_id" not in e],
        group_entries=group_mine.entries([e for e in entries if "group_id" in e]),  # issue 27
        queues=queue_pages.places(ref),  # issue 28
        local_time=local_time,
        phone_masked=masked(phone),
        erased=request.args.get("erased") == "1",
        noshow=noshow_view(record),
    )


def noshow_view(rec: dict) -> dict:
    """The record as the page shows it: each mark's activity title and local date."""
    seats = current_app.extensions["sciday.seats"]
    marks = []
    for m in rec["marks"]:
        doc = seats.activity_doc(m["activity_id"], max_age_s=5)
        marks.append({**m, "activity": doc, "date": local_date(m["at"])})
    until = rec["locked_until"]
    return {**rec, "marks": marks, "locked_until_date": local_date(until) if until else ""}


def local_date(ts: float) -> str:
    d = datetime.fromtimestamp(ts, activities.TZ)
    return f"{d:%Y-%m-%d}" if lang() == "en" else f"{d.year}年{d.month}月{d.day}日"


@bp.post("/me/<rid>/cancel")
def mine_cancel(rid):
    """Like the manage page (issue 26): the first tap asks, and says whether this cancellation
    counts as a no-show; the second (``confirm=1``) cancels."""
    if verified_phone() is None or not csrf.valid():
        return redirect("/login?next=/me", code=303)
    try:
        if request.form.get("confirm") != "1":
            return mine_cancel_confirm(api_mine.own(rid))
        api_mine.cancel_own(rid)
    except Refusal:
        pass  # not mine, or already cancelled: the list shows the truth
    return redirect("/me", code=303)


def mine_cancel_confirm(stored: dict):
    """The confirmation of a cancel from 我的报名, with the no-show outlook (noshow/outlook.py)."""
    reg = usecases.registration_view(ports(), stored)
    if reg["status"] not in (v.CONFIRMED, v.WAITLISTED):
        return redirect("/me", code=303)
    noshow = outlook.before_cancel(ports(), stored)
    return render(
        "confirm.html",
        r=reg,
        a=reg["activity"],
        action="cancel",
        post_to=f"/me/{reg['registration_id']}/cancel",
        back_to="/me",
        noshow=noshow_cancel_view(noshow),
    )


def noshow_cancel_view(got: dict | None) -> dict | None:
    """The outlook before a cancel as the page shows it: the marks' dates and the lock's end date."""
    if got is None:
        return None
    ends = got.get("lock_ends")
    return {**noshow_view(got), "lock_ends_date": local_date(ends) if ends else ""}


# -- erasing my data (issue 16): a confirmation page, then the POST; no script needed ----------------
@bp.get("/me/<rid>/erase")
def mine_erase_confirm(rid):
    try:
        stored = api_mine.own(rid)
    except Refusal:
        return redirect("/me", code=303)
    reg = usecases.registration_view(ports(), stored)
    return render(
        "erase.html",
        r=reg,
        a=reg["activity"],
        noshow=noshow_cancel_view(outlook.before_cancel(ports(), stored)),
    )


@bp.post("/me/<rid>/erase")
def mine_erase(rid):
    if verified_phone() is None or not csrf.valid():
        return redirect("/login?next=/me", code=303)
    try:
        api_mine.erase_own(rid)
    except Refusal:
        return redirect("/me", code=303)  # not mine, or erased already: the list shows the truth
    return redirect("/me?erased=1", code=303)

"""An import's plan and its run: every row of a key-activity list validated with the API's own
``ActivityIn`` schema, compared with what is stored, and created through the same atomic
``put_activity(mode="create")`` path as ``POST /api/v1/activities`` (importer.py is the view).

A row whose activity exists unchanged is ``unchanged``; one that differs (an organizer edited it
since) is ``differs`` and left alone. Errors carry the row number and the column as written.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from marshmallow import ValidationError

from services.registration import vocabulary as v
from services.registration.bootstrap import ports, store
from services.registration.catalogue import activities, key_rows
from services.registration.catalogue import key_activities as ka
from services.registration.catalogue.import_schemas import ImportReportOut
from services.registration.catalogue.sheet_columns import COLUMNS
from services.registration.seats import publishing
from services.registration.vocabulary import ACTIVITY_EXISTS, Refusal
from services.registration.web.schemas import ActivityIn
from shared.i18n import localize

IGNORED_ON_COMPARE = ("status", "cancel_reason")
TIMES = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")


def say(zh: str, en: str, locale: str) -> str:
    """The text in the request's language: English for "en", else Chinese."""
    return en if locale == "en" else zh


def known_venues() -> dict[str, dict]:
    venues: dict[str, dict] = {}
    for doc, _counts in store().list_activities():
        venues.setdefault(
            doc["venue"]["name"],
            {
                "id": doc["venue"]["id"],
                **{k: doc["venue"].get(k, "") for k in ("address", "name_en", "address_en")},
            },
        )
    return venues


def _comparable(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in IGNORED_ON_COMPARE}


def differences(stored: dict, doc: dict) -> list[str]:
    a, b = _comparable(stored), _comparable(doc)
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


def plan(
    sheet: ka.Sheet, locale: str, options: ka.Options, each_day: Collection[int] | str = ()
) -> tuple[list[dict], list[dict]]:
    """Validate every row: (row plans with their stored-state action, row errors).

    A row over several days (``key_rows.days_of``) is offered as one activity a day: its plan
    says ``days``; a row whose number is in ``each_day`` (or every such row, with ``"all"``)
    becomes that many plans, one a day (``day`` 1…n), each validated and stored as its own."""
    checking = _Checking(sheet, locale)
    for row in sheet.rows:
        body, cell_errors = key_rows.body_of(row, checking.venues, options)
        days = [] if cell_errors else key_rows.days_of(*_span(body), options.each_day_max)
        if days and (each_day == "all" or row.number in each_day):
            for n, day in enumerate(days, start=1):
                one = ka.Row(row.number, row.values)
                checking.add(one, *key_rows.body_of(one, checking.venues, options, day), len(days), n)
        else:
            checking.add(row, body, cell_errors, len(days) or 1, None)
    return checking.plans, checking.errors


def _span(body: dict) -> tuple[datetime | None, datetime | None]:
    return tuple(datetime.fromisoformat(body[k]) if body.get(k) else None for k in ("starts_at", "ends_at"))  # type: ignore[return-value]


class _Checking:
    """The rows' plans and errors as they are validated, and the ids seen so far."""

    def __init__(self, sheet: ka.Sheet, locale: str):
        self.sheet, self.locale = sheet, locale
        self.venues = known_venues()
        self.plans: list[dict] = []
        self.errors: list[dict] = []
        self.seen: dict[str, int] = {}

    def header(self, key: str) -> str:
        return self.sheet.headers.get(key) or ka.COLUMNS.get(key, (key,))[0]

    def add(self, row: ka.Row, body: dict, cell_errors: list, days: int, day: int | None) -> None:
        row_errors = list(cell_errors)
        _keep_stored_venue(body, row)
        loaded = _loaded(body, row, row_errors)
        if loaded is not None and not row_errors and body["id"] in self.seen:
            row_errors.append(
                (
                    "title",
                    f"与第 {self.seen[body['id']]} 行的名称、时间、地点相同",
                    f"Same name, time and place as row {self.seen[body['id']]}.",
                )
            )
        entry = {
            "row": row.number,
            "id": None,
            "title": body["title"]["zh"],
            "starts_at": body["starts_at"],
            "ends_at": body["ends_at"],
            "venue": body["venue"]["name"],
            "hall": body["hall"],
            "kind": body["kind"],
            "capacity": body["capacity"],
            "action": "error",
            "differs": [],
            "assumed": row.assumed,
            "days": days,
            "day": day,
        }
        if row_errors:
            self.errors += [
                {
                    "row": row.number,
                    "field": self.header(key),
                    "key": key,
                    "message": say(zh, en, self.locale),
                }
                for key, zh, en in row_errors
            ]
        elif loaded is not None:
            self.seen[body["id"]] = row.number
            doc = activities.to_doc(loaded)
            entry.update(id=doc["id"], doc=doc, **_state(doc))
        self.plans.append(entry)


def _loaded(body: dict, row: ka.Row, row_errors: list) -> dict | None:
    """The body as ``ActivityIn`` loads it, or None with its errors added to ``row_errors``."""
    try:
        return ActivityIn().load(body)
    except ValidationError as exc:
        messages = exc.normalized_messages()
        if all(body.get(k) for k in TIMES):  # the schema skips its cross-field check on field errors
            for k, found in activities.validate_times(body).items():
                messages.setdefault(k, found)
        taken = {key for key, _, _ in row_errors}
        for path, message in key_rows.flatten(messages):
            key = key_rows.column_of(row, path)
            if key not in taken:
                # issue 26: the English is said too, not the rule's key ("length_max|max=100")
                row_errors.append((key, localize(message, "zh-CN"), localize(message, "en")))
        return None


def _keep_stored_venue(body: dict, row: ka.Row) -> None:
    """A row whose activity exists keeps that activity's venue id (and address, unless the file
    gives one): the venue a name maps to may have changed since the first import."""
    got = store().get_activity(body["id"]) if body["id"] != "imp-pending" else None
    if got is None or row.values.get("venue_id") not in (None, ""):
        return
    body["venue"]["id"] = got[0]["venue"]["id"]
    if row.values.get("address") in (None, ""):
        body["venue"]["address"] = got[0]["venue"].get("address", "")


def _state(doc: dict) -> dict:
    got = store().get_activity(doc["id"])
    if got is None:
        return {"action": "new", "differs": []}
    diff = differences(got[0], doc)
    return {"action": "differs" if diff else "unchanged", "differs": diff}


def run(
    sheet: ka.Sheet,
    mode: str,
    locale: str,
    options: ka.Options,
    confirmed: bool = False,
    each_day: Collection[int] | str = (),
) -> dict:
    plans, errors = plan(sheet, locale, options, each_day)
    assumed_rows = sum(1 for p in plans if p["assumed"] and p["action"] == "new")
    unconfirmed = mode != "check" and assumed_rows and not confirmed
    write = not unconfirmed and (mode == "valid_rows" or (mode == "all" and not errors))
    _write(plans, write)
    count = lambda action: sum(1 for p in plans if p["action"] == action)  # noqa: E731
    report = {
        "mode": mode,
        "imported": count("created") > 0,
        "created": count("created"),
        "new": count("new"),
        "unchanged": count("unchanged"),
        "updated": 0,
        "differs": count("differs"),
        "errors": errors,
        "rows": plans,
        "ignored_columns": sheet.ignored,
        "unknown_columns": sheet.unknown,
        "columns": sheet.columns,
        "missing_columns": sheet.missing,
        "keys": list(COLUMNS),
        "assumed_rows": assumed_rows,
    }
    if unconfirmed:
        raise refusal(
            v.IMPORT_UNCONFIRMED,
            locale,
            errors={"confirm": [v.REASONS[v.IMPORT_UNCONFIRMED].message(locale)]},
            extra={"report": ImportReportOut().dump(report)},
        )
    if mode == "all" and errors:
        by_row: dict = {}
        for e in errors:
            by_row.setdefault(str(e["row"]), {}).setdefault(e["field"], []).append(e["message"])
        raise refusal(
            v.IMPORT_HAS_ERRORS,
            locale,
            say(
                f"{len({e['row'] for e in errors})} 行有错误，未导入任何活动",
                f"{len({e['row'] for e in errors})} row(s) have errors; nothing was imported.",
                locale,
            ),
            errors=by_row,
            extra={"report": ImportReportOut().dump(report)},
        )
    return report


def _write(plans: list[dict], write: bool) -> None:
    """Create the new rows' activities (when ``write``); the plans keep no documents."""
    for p in plans:
        if write and p["action"] == "new":
            try:
                publishing.publish_activity(ports(), p["doc"])
                p["action"] = "created"
            except Refusal as exc:  # created meanwhile by a concurrent import of the same file
                if exc.reason != ACTIVITY_EXISTS:
                    raise
                p.update(_state(p["doc"]))
        p.pop("doc", None)


def refusal(reason: str, locale: str, message: str = "", **kw: object) -> Refusal:
    """A refusal that says ``message`` (the reason's own text in ``locale`` if none)."""
    return Refusal(reason, {"message": message or v.REASONS[reason].message(locale), **kw})

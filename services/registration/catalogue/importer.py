"""Importing activities from a spreadsheet: ``POST /api/v1/activities/import`` (organizers).

Multipart upload: ``file`` (.csv or .xlsx, at most ``import_max_upload_bytes``), ``mode``,
``columns`` and ``confirm``:

- ``check`` (the default): a dry run, the preview; nothing is written.
- ``all``: import only if no row has an error; otherwise 422 ``import_has_errors`` and nothing.
- ``valid_rows``: import the rows without errors, report the others.
- ``columns``: JSON, header as written -> column key (``""`` to ignore it), for headers the
  synonyms do not know; remembered for the organizer's next file.
- ``confirm=1``: the organizer has seen the assumed values (capacity from 预计参与人数, kind from
  活动形式, opening hours of a range of dates, a year left out, default party size and window);
  without it an import of rows with assumptions is refused with ``import_unconfirmed``.

The file is read within the ``import_max_*`` bounds (``shared/spreadsheets.py``): a file past
one is refused with ``spreadsheet_too_large`` before it is parsed.

Every row is validated with the API's own ``ActivityIn`` schema and created through the same
atomic ``put_activity(mode="create")`` path as ``POST /api/v1/activities``. Ids are derived from
(title, start, venue), so importing the same file again finds every row ``unchanged`` and writes
nothing: no new revision, no event. A row whose activity exists but differs (an organizer edited
it since) is reported as ``differs`` and left alone: an import never overwrites later edits.
Errors carry the spreadsheet row number (header = row 1) and the column as written in the file.
"""

from __future__ import annotations

import json
from datetime import datetime, time

from flask import g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import ValidationError

from services.registration import vocabulary as v
from services.registration.bootstrap import ports, store
from services.registration.catalogue import activities
from services.registration.catalogue import key_activities as ka
from services.registration.catalogue.column_mappings import ColumnMemory, chosen_of
from services.registration.catalogue.import_schemas import ImportReportOut
from services.registration.catalogue.sheet_columns import COLUMNS
from services.registration.seats import usecases
from services.registration.vocabulary import ACTIVITY_EXISTS, Refusal
from services.registration.web.edge import documented, reasons_text
from services.registration.web.schemas import ActivityIn
from shared import spreadsheets
from shared.auth import require
from shared.errors import FORBIDDEN, PAYLOAD_TOO_LARGE, UNAUTHORIZED
from shared.i18n import localize, request_locale
from shared.web import accepts_files, redis_of, settings_of

MODES = ("check", "all", "valid_rows")
IGNORED_ON_COMPARE = ("status", "cancel_reason")
TIMES = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")

IMPORT_REFUSALS = (
    v.INVALID_SPREADSHEET,
    v.SPREADSHEET_TOO_LARGE,
    v.IMPORT_HAS_ERRORS,  # with the `report`
    v.IMPORT_UNCONFIRMED,  # with the `report`
    v.VALIDATION_FAILED,
    PAYLOAD_TOO_LARGE,
    UNAUTHORIZED,
    FORBIDDEN,
)
blp = Blueprint(
    "imports",
    __name__,
    url_prefix="/api/v1/activities",
    description="Spreadsheet import of the key-activity list (重点活动清单). "
    + reasons_text(*IMPORT_REFUSALS),
)


def _say(zh: str, en: str, locale: str) -> str:
    return en if locale == "en" else zh


def known_venues() -> dict[str, dict]:
    venues: dict[str, dict] = {}
    for doc, _counts in store().list_activities():
        venues.setdefault(
            doc["venue"]["name"], {"id": doc["venue"]["id"], "address": doc["venue"].get("address", "")}
        )
    return venues


def _comparable(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in IGNORED_ON_COMPARE}


def differences(stored: dict, doc: dict) -> list[str]:
    a, b = _comparable(stored), _comparable(doc)
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


def plan(sheet: ka.Sheet, locale: str, options: ka.Options) -> tuple[list[dict], list[dict]]:
    """Validate every row: (row plans with their stored-state action, row errors)."""
    seen: dict[str, int] = {}
    venues, plans, errors = known_venues(), [], []

    def header(key: str) -> str:
        return sheet.headers.get(key) or ka.COLUMNS.get(key, (key,))[0]

    for row in sheet.rows:
        body, cell_errors = ka.body_of(row, venues, options)
        row_errors = [(key, zh, en) for key, zh, en in cell_errors]
        _keep_stored_venue(body, row)
        try:
            loaded = ActivityIn().load(body)
        except ValidationError as exc:
            loaded, messages = None, exc.normalized_messages()
            if all(body.get(k) for k in TIMES):  # the schema skips its cross-field check on field errors
                for k, found in activities.validate_times(body).items():
                    messages.setdefault(k, found)
            taken = {key for key, _, _ in row_errors}
            for path, message in ka.flatten(messages):
                key = ka.column_of(row, path)
                if key not in taken:
                    row_errors.append((key, localize(message, "zh-CN"), message))
        if loaded is not None and not row_errors and body["id"] in seen:
            row_errors.append(
                (
                    "title",
                    f"与第 {seen[body['id']]} 行的名称、时间、地点相同",
                    f"Same name, time and place as row {seen[body['id']]}.",
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
        }
        if row_errors:
            errors += [
                {"row": row.number, "field": header(key), "key": key, "message": _say(zh, en, locale)}
                for key, zh, en in row_errors
            ]
        else:
            seen[body["id"]] = row.number
            doc = activities.to_doc(loaded)
            entry.update(id=doc["id"], doc=doc, **_state(doc))
        plans.append(entry)
    return plans, errors


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


def run(sheet: ka.Sheet, mode: str, locale: str, options: ka.Options, confirmed: bool = False) -> dict:
    plans, errors = plan(sheet, locale, options)
    assumed_rows = sum(1 for p in plans if p["assumed"] and p["action"] == "new")
    unconfirmed = mode != "check" and assumed_rows and not confirmed
    write = not unconfirmed and (mode == "valid_rows" or (mode == "all" and not errors))
    for p in plans:
        if write and p["action"] == "new":
            try:
                usecases.publish_activity(ports(), p["doc"])
                p["action"] = "created"
            except Refusal as exc:  # created meanwhile by a concurrent import of the same file
                if exc.reason != ACTIVITY_EXISTS:
                    raise
                p.update(_state(p["doc"]))
        p.pop("doc", None)
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
            _say(
                f"{len({e['row'] for e in errors})} 行有错误，未导入任何活动",
                f"{len({e['row'] for e in errors})} row(s) have errors; nothing was imported.",
                locale,
            ),
            errors=by_row,
            extra={"report": ImportReportOut().dump(report)},
        )
    return report


def refusal(reason: str, locale: str, message: str = "", **kw: object) -> Refusal:
    """A refusal that says ``message`` (the reason's own text in ``locale`` if none)."""
    return Refusal(reason, {"message": message or v.REASONS[reason].message(locale), **kw})


def options_of(settings) -> ka.Options:
    return ka.Options(
        hours=(time.fromisoformat(settings.import_day_opens), time.fromisoformat(settings.import_day_closes)),
        today=datetime.now(activities.TZ).date(),
    )


@blp.route("/import")
@accepts_files
class ActivityImport(MethodView):
    @require("organizer")
    @blp.doc(
        requestBody={
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {"type": "string", "format": "binary", "description": ".csv or .xlsx"},
                            "mode": {"type": "string", "enum": list(MODES), "default": "check"},
                            "columns": {
                                "type": "string",
                                "description": "JSON object: header as written -> column key "
                                '(one of the report\'s `keys`), or "" to ignore the column',
                            },
                            "confirm": {
                                "type": "string",
                                "enum": ["1"],
                                "description": "the organizer confirmed the assumed values",
                            },
                        },
                    }
                }
            },
        }
    )
    @blp.response(200, ImportReportOut)
    @documented(blp, *IMPORT_REFUSALS)
    def post(self):
        """Import activities from a key-activity list (CSV or XLSX); dry run unless ``mode`` says so."""
        settings = settings_of()
        request.max_content_length = settings.import_max_upload_bytes
        locale = request_locale()
        mode = request.form.get("mode") or "check"
        upload = request.files.get("file")
        if mode not in MODES:
            raise refusal(
                v.VALIDATION_FAILED,
                locale,
                _say("mode 取值不对", "Unknown mode.", locale),
                errors={"mode": [f"one of {', '.join(MODES)}"]},
            )
        if upload is None or not upload.filename:
            raise refusal(
                v.VALIDATION_FAILED,
                locale,
                _say("请选择文件", "Choose a file.", locale),
                errors={"file": [_say("必须上传文件", "A file is required.", locale)]},
            )
        chosen = _chosen(locale)
        memory = ColumnMemory(redis_of(), settings.redis_prefix)
        try:
            sheet = ka.read(
                upload.filename,
                upload.read(),
                spreadsheets.Limits.of(settings),
                chosen,
                memory.recall(g.principal.name),
            )
        except ka.SheetError as exc:
            reason = v.SPREADSHEET_TOO_LARGE if isinstance(exc, ka.SheetTooLarge) else v.INVALID_SPREADSHEET
            message = _say(exc.zh, exc.en, locale)
            raise refusal(reason, locale, message, errors={"file": [message]}) from None
        memory.remember(g.principal.name, chosen)
        return run(sheet, mode, locale, options_of(settings), request.form.get("confirm") in ("1", "true"))


def _chosen(locale: str) -> dict:
    raw = request.form.get("columns")
    if not raw:
        return {}
    try:
        chosen, errors = chosen_of(json.loads(raw))
    except (ValueError, RecursionError):
        chosen, errors = {}, {"columns": ["JSON: header -> column key"]}
    if errors:
        raise refusal(
            v.VALIDATION_FAILED,
            locale,
            _say("列对应关系不正确", "The column mapping is not valid.", locale),
            errors=errors,
        )
    return chosen

"""Importing activities from a spreadsheet: ``POST /api/v1/activities/import`` (organizers).

Multipart upload: ``file`` (.csv or .xlsx, at most ``import_max_upload_bytes``), ``mode``,
``columns`` and ``confirm``:

- ``check`` (the default): a dry run, the preview; nothing is written.
- ``all``: import only if no row has an error; otherwise 422 ``import_has_errors`` and nothing.
- ``valid_rows``: import the rows without errors, report the others.
- ``columns``: JSON, header as written -> column key (``""`` to ignore it), for headers the
  synonyms do not know; remembered for the organizer's next file.
- ``confirm=1``: the organizer has seen the assumed values (capacity from 预计参与人数, kind from
  活动形式, opening hours of a range of dates, a year left out, an end from the kind's usual
  length, a place without halls, default party size and window); without it an import of rows
  with assumptions is refused with ``import_unconfirmed``.
- ``each_day``: rows over several days to import as one activity a day (their numbers,
  comma-separated, or ``all``); the preview says which rows may be (``days``).

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

from services.registration import vocabulary as v
from services.registration.catalogue import activities
from services.registration.catalogue import key_activities as ka
from services.registration.catalogue.column_mappings import ColumnMemory, chosen_of
from services.registration.catalogue.import_plan import refusal, run, say
from services.registration.catalogue.import_schemas import ImportReportOut
from services.registration.web.edge import documented, reasons_text
from shared import spreadsheets
from shared.auth import require
from shared.errors import FORBIDDEN, PAYLOAD_TOO_LARGE, UNAUTHORIZED
from shared.i18n import request_locale
from shared.web import accepts_files, redis_of, settings_of

MODES = ("check", "all", "valid_rows")

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


def options_of(settings) -> ka.Options:
    return ka.Options(
        hours=(time.fromisoformat(settings.import_day_opens), time.fromisoformat(settings.import_day_closes)),
        today=datetime.now(activities.TZ).date(),
        minutes={kind: getattr(settings, f"import_minutes_{kind}") for kind in ka.DEFAULT_MINUTES},
        each_day_max=settings.import_each_day_max_days,
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
                            "each_day": {
                                "type": "string",
                                "description": "rows over several days to import as one activity a "
                                'day: their numbers, comma-separated ("3,7"), or "all"',
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
                say("mode 取值不对", "Unknown mode.", locale),
                errors={
                    "mode": [say(f"须为 {'、'.join(MODES)} 之一", f"One of {', '.join(MODES)}.", locale)]
                },
            )
        if upload is None or not upload.filename:
            raise refusal(
                v.VALIDATION_FAILED,
                locale,
                say("请选择文件", "Choose a file.", locale),
                errors={"file": [say("必须上传文件", "A file is required.", locale)]},
            )
        chosen, each_day = _chosen(locale), _each_day(locale)
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
            message = say(exc.zh, exc.en, locale)
            raise refusal(reason, locale, message, errors={"file": [message]}) from None
        memory.remember(g.principal.name, chosen)
        confirmed = request.form.get("confirm") in ("1", "true")
        return run(sheet, mode, locale, options_of(settings), confirmed, each_day)


def _each_day(locale: str) -> frozenset[int] | str:
    """The rows over several days the organizer chose to import as one activity a day."""
    raw = (request.form.get("each_day") or "").strip()
    if raw == "all":
        return raw
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not all(p.isdigit() and len(p) <= 6 for p in parts):
        raise refusal(
            v.VALIDATION_FAILED,
            locale,
            say("“每天一场”的行号不正确", "The rows chosen for one activity a day are not valid.", locale),
            errors={"each_day": ['row numbers, comma-separated, or "all"']},
        )
    return frozenset(int(p) for p in parts)


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
            say("列对应关系不正确", "The column mapping is not valid.", locale),
            errors=errors,
        )
    return chosen

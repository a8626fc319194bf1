"""The import report's shape (OpenAPI): per row what would happen, per column how it was read."""

from __future__ import annotations

from marshmallow import Schema, fields


class RowErrorOut(Schema):
    row = fields.Integer(metadata={"description": "spreadsheet row number; the header is row 1"})
    field = fields.String(metadata={"description": "the column as written in the file"})
    key = fields.String(metadata={"description": "the column's canonical name"})
    message = fields.String()


class AssumedOut(Schema):
    field = fields.String(metadata={"description": "the activity field the file did not give"})
    value = fields.Raw(metadata={"description": "the value the import would use"})
    basis = fields.String(
        metadata={
            "description": "expected (capacity from 预计参与人数) | form (kind from 活动形式) | "
            "year (a date without a year) | day_opens / day_closes (a range of dates without "
            "times) | kind_length (an end from the start and the kind's usual length) | "
            "no_hall (a place without halls: a square, a park) | default (party size, "
            "registration window)"
        }
    )


class RowOut(Schema):
    row = fields.Integer()
    id = fields.String(allow_none=True)
    title = fields.String()
    starts_at = fields.String(allow_none=True)
    ends_at = fields.String(allow_none=True)
    venue = fields.String(metadata={"description": "the venue's name"})
    hall = fields.String()
    kind = fields.String()
    capacity = fields.Integer(allow_none=True)
    action = fields.String(
        metadata={"description": "new (check mode) | created | unchanged | differs | error"}
    )
    differs = fields.List(
        fields.String(), metadata={"description": "fields that differ from the stored activity"}
    )
    assumed = fields.List(fields.Nested(AssumedOut))
    days = fields.Integer(
        metadata={
            "description": "days the row's activity spans; over 1: it may be imported as one "
            "activity a day (the request's each_day)"
        }
    )
    day = fields.Integer(
        allow_none=True,
        metadata={"description": "which day (1…days) of a row imported as one activity a day"},
    )


class ColumnOut(Schema):
    index = fields.Integer(metadata={"description": "0-based column index"})
    header = fields.String(metadata={"description": "the header as written in the file"})
    key = fields.String(allow_none=True, metadata={"description": "canonical column key; null: not used"})
    source = fields.String(
        metadata={"description": "chosen | remembered | synonym | ignored | unknown | duplicate"}
    )


class ImportReportOut(Schema):
    mode = fields.String()
    imported = fields.Boolean(metadata={"description": "whether anything was written"})
    created = fields.Integer()
    new = fields.Integer(metadata={"description": "rows that would be created (check mode)"})
    unchanged = fields.Integer()
    updated = fields.Integer(
        metadata={"description": "always 0: an import never changes an existing activity"}
    )
    differs = fields.Integer()
    errors = fields.List(fields.Nested(RowErrorOut))
    rows = fields.List(fields.Nested(RowOut))
    ignored_columns = fields.List(fields.String())
    unknown_columns = fields.List(fields.String())
    columns = fields.List(fields.Nested(ColumnOut))
    missing_columns = fields.List(
        fields.String(), metadata={"description": "required column keys no column maps to"}
    )
    keys = fields.List(fields.String(), metadata={"description": "every canonical column key"})
    assumed_rows = fields.Integer(
        metadata={"description": "rows with assumed values; importing them needs confirm=1"}
    )

"""The activity's queue fields (issue 28), as the activity schemas take and show them
(web/schemas.py ``ActivityIn``, ``ActivityOut``)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.registration.queue.rules import QUEUE_AUTO, QUEUE_DOC, QUEUE_MODES


class QueueIn(Schema):
    queue = fields.String(
        load_default=QUEUE_AUTO, validate=validate.OneOf(QUEUE_MODES), metadata={"description": QUEUE_DOC}
    )
    expected_demand = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=validate.Range(min=0),
        metadata={"description": "people expected to want a place (optional; the queue's auto)"},
    )


class QueueOut(Schema):
    queue = fields.String(metadata={"description": QUEUE_DOC})
    expected_demand = fields.Integer(allow_none=True)

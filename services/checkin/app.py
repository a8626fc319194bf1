"""The check-in service: door verdicts and attendance.

``gunicorn 'services.checkin.app:create_app()'``
"""
from __future__ import annotations

from pathlib import Path

from shared.config import Settings, load
from shared.web import make_app


def create_app(settings: Settings | None = None, redis_client=None):
    settings = settings or load()
    app, _api = make_app("checkin", settings, title="sciday check-in",
                         description="QR verdicts at the door, undo, and live attendance.",
                         redis_client=redis_client, root_path=str(Path(__file__).parent))
    return app

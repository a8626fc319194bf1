"""Issue 25: the organizer's form offers an activity's party maximum up to the setting
(Settings.party_size_limit), not up to a 10 of its own."""

from __future__ import annotations

import re

from services.registration.app import create_app


def test_the_organizer_form_allows_up_to_the_setting(settings, redis):
    app = create_app(settings.with_overrides(party_size_limit=6), redis_client=redis)
    html = app.test_client().get("/organizer").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="max_party_size"[^>]*>', html)
    assert field is not None and 'max="6"' in field.group(0)

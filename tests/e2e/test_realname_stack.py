"""Issue 23: `sciday up` (here the tests' stack, every process real) starts the local real-name
authority and points registration's gunicorn workers at it: a made-up number is refused, the
real one registers, and the stand-in's page lists both checks with the numbers masked."""

from __future__ import annotations

import requests

from tests.conftest import activity_doc

REAL, MADE_UP = "210102198808085152", "210102195001075152"


def test_the_stacks_registration_checks_members_against_the_stand_in_process(stack, urls, organizer_token):
    auth = {"Authorization": f"Bearer {organizer_token}"}
    doc = activity_doc("stack-rn", real_name=True, audience="public")
    r = requests.post(f"{urls['registration']}/api/v1/activities", json=doc, headers=auth, timeout=10)
    assert r.status_code == 201, r.text
    register = f"{urls['registration']}/api/v1/activities/stack-rn/registrations"

    def body(number, phone):
        member = {"name": "王芳", "id_type": "resident_id", "id_number": number}
        return {"name": "王芳", "phone": phone, "party_size": 1, "members": [member]}

    r = requests.post(register, json=body(MADE_UP, "13700002221"), timeout=10)
    assert (r.status_code, r.json()["reason"]) == (422, "id_unverified"), r.text
    r = requests.post(register, json=body(REAL, "13700002222"), timeout=10)
    assert r.status_code == 201, r.text

    page = requests.get(f"http://127.0.0.1:{stack.realname_port}/", timeout=10).text
    assert page.count("2101**********5152") >= 2 and "not_found" in page and "match" in page
    assert MADE_UP not in page and REAL not in page

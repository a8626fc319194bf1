"""Issue 16, "Local stand-ins": the local SMS gateway and mailbox live outside the production
package and image, and `make run` (sciday/stack.py) and the tests still use them."""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path

from setuptools import find_packages

from sciday.stack import Stack, StackOptions

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_the_production_package_holds_no_stand_in():
    include = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = find_packages(str(ROOT), include=include)
    assert "services.notify" in packages  # the search found the real packages
    assert not [p for p in packages if p.startswith("standins")]
    shipped = [
        p.relative_to(ROOT) for top in ("shared", "services", "sciday") for p in (ROOT / top).rglob("*.py")
    ]
    assert not [p for p in shipped if p.stem in ("gateway", "mailbox", "sms_gateway")], shipped
    for path in shipped:
        text = (ROOT / path).read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+standins\b", text, re.M), path


def test_the_image_copies_no_stand_in():
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    copied = re.findall(r"^COPY\s+(\S+)", dockerfile, re.M)
    assert "services" in copied and not [c for c in copied if "standins" in c or c == "."]


def test_the_mailboxs_smtp_server_is_not_a_production_dependency():
    deps = PYPROJECT["project"]["dependencies"]
    assert not [d for d in deps if d.startswith("aiosmtpd")]
    assert any(d.startswith("aiosmtpd") for d in PYPROJECT["project"]["optional-dependencies"]["local"])
    [install] = re.findall(r"pip install --quiet -e '\.\[([a-z,]+)\]'", (ROOT / "Makefile").read_text())
    assert "local" in install.split(",")  # make install (and so make run, make test) has it


def test_make_run_still_starts_the_stand_ins(tmp_path):
    stack = Stack(StackOptions(var_dir=tmp_path / "var"))
    sinks = {c.name: c for c in stack._plan() if c.sink}
    assert set(sinks) == {"sms-gateway", "mailbox", "realname", "beacon"}  # realname: 23; beacon: 27
    assert stack.env()["SCIDAY_REALNAME_URL"] == f"http://127.0.0.1:{stack.realname_port}/api/v1/verify"
    assert stack.env()["SCIDAY_BEACON_RECORDED_URL"] == f"http://127.0.0.1:{stack.beacon_port}"
    assert stack.env()["SCIDAY_BEACON_SOURCE"] == "recorded"
    for child in sinks.values():
        module = child.args[child.args.index("-m") + 1]
        assert module.startswith("standins.")
        assert Path(child.env["PYTHONPATH"]) == ROOT
        assert importlib.import_module(module).__file__.startswith(str(ROOT / "standins"))


def test_every_person_the_real_name_stand_in_lists_has_a_valid_number():
    """A listed person whose number fails its own check digit can never register (赵敏's did)."""
    import json
    from datetime import date

    from services.registration.access import identity

    path = Path(__file__).resolve().parents[2] / "standins" / "realname_people.json"
    people = json.loads(path.read_text(encoding="utf-8"))["people"]
    assert people
    for p in people:
        identity.validate(p["id_type"], p["id_number"], date(2026, 5, 30), p.get("nationality"))

"""The registration service's layers: the core imports no framework, no view imports a view."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

PKG = ROOT / "services/registration"
VIEWS = {"api_activities", "api_keys", "api_registrations", "exports", "importer", "organizer", "pages"}
CORE = ("usecases", "ports", "vocabulary")


def imported_modules(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_no_view_imports_another_view():
    offenders = {
        view: sorted(
            m for m in imported_modules(PKG / f"{view}.py") if m.rsplit(".", 1)[-1] in VIEWS - {view}
        )
        for view in VIEWS
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_core_loads_without_flask_or_redis():
    code = (
        "import sys\n"
        + "".join(f"import services.registration.{m}\n" for m in CORE)
        + "print(sorted(m for m in ('flask', 'flask_smorest', 'redis', 'kafka') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr

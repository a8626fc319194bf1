"""The registration service's layers: the core imports no framework, no view imports a view."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

# full dotted names, so that a module keeps its name wherever it lives (issue 25's packages)
VIEWS = {
    "services.registration.catalogue.api",
    "services.registration.web.keys",
    "services.registration.seats.api",
    "services.registration.catalogue.exports",
    "services.registration.catalogue.importer",
    "services.registration.catalogue.organizer",
    "services.registration.web.pages",
    "services.registration.seats.pages",
}
CORE = (
    "services.registration.seats.usecases",
    "services.registration.seats.publishing",
    "services.registration.seats.screening",
    "services.registration.seats.erasure",
    "services.registration.ports",
    "services.registration.vocabulary",
)


def path_of(module: str) -> Path:
    return ROOT / (module.replace(".", "/") + ".py")


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
        view: sorted(m for m in imported_modules(path_of(view)) if m in VIEWS - {view}) for view in VIEWS
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_core_loads_without_flask_or_redis():
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE)
        + "print(sorted(m for m in ('flask', 'flask_smorest', 'redis', 'kafka') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr

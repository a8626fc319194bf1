"""Issue 25: small modules and functions. No module of the product (the services, shared/, the CLI,
the bench, the stand-ins) over 300 lines, no function over 60 (from its `def` to its last line,
docstring included). Generated files are not Python, so none is exempt."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("services", "shared", "sciday", "bench", "standins")
MODULE_MAX, FUNCTION_MAX = 300, 60


def _modules() -> list[Path]:
    return sorted(p for folder in FOLDERS for p in (ROOT / folder).rglob("*.py"))


def test_the_product_is_found():
    assert len(_modules()) > 200  # a wrong folder would make the checks below pass on nothing


def test_no_module_over_300_lines():
    lines = {
        p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines()) for p in _modules()
    }
    assert {p: n for p, n in lines.items() if n > MODULE_MAX} == {}


def test_no_function_over_60_lines():
    long = {}
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = (node.end_lineno or node.lineno) - node.lineno + 1
                if n > FUNCTION_MAX:
                    long[f"{path.relative_to(ROOT).as_posix()}:{node.lineno} {node.name}"] = n
    assert long == {}

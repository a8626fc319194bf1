"""Reading words out of source files, for the vocabulary tests of every service.

A vocabulary test asks three questions of a service's files:

- does any file write a declared word (status, reason, topic, event type) as a literal outside
  the vocabularies? :func:`stray_words`
- does any Lua script or JS file use a word the vocabulary lacks? :func:`lua_references`,
  :func:`js_compared_words`
- does the vocabulary hold a word nothing uses? :func:`unused_names`

Each reader returns ``(path, line, word)`` so a failure names the place to fix.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
Hit = tuple[str, int, str]

_LUA_COMMENT = re.compile(r"--.*$")
_QUOTED = re.compile(r"""'([^'\\\n]*)'|"([^"\\\n]*)\"""")
_JS_LINE_COMMENT = re.compile(r"(^|[^:])//.*$")
_JINJA = re.compile(r"{[{%](.*?)[}%]}")


def rel(path: Path) -> str:
    return str(path.resolve().relative_to(ROOT)) if path.resolve().is_relative_to(ROOT) else str(path)


def python_literals(path: Path) -> list[Hit]:
    """Every string constant of a Python file, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [
        (rel(path), node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def _quoted(path: Path, strip: Callable[[str], str]) -> list[Hit]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        for m in _QUOTED.finditer(strip(line)):
            out.append((rel(path), n, m.group(1) if m.group(1) is not None else m.group(2)))
    return out


def lua_literals(path: Path) -> list[Hit]:
    """Quoted strings of a Lua script, comments left out."""
    return _quoted(path, lambda line: _LUA_COMMENT.sub("", line))


def js_literals(path: Path) -> list[Hit]:
    """Quoted strings of a JS file, line comments left out."""
    return _quoted(path, lambda line: _JS_LINE_COMMENT.sub(r"\1", line))


def template_literals(path: Path) -> list[Hit]:
    """Quoted strings inside Jinja ``{{ }}`` and ``{% %}`` tags (the page's own text is not code)."""
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        for tag in _JINJA.finditer(line):
            for m in _QUOTED.finditer(tag.group(1)):
                out.append((rel(path), n, m.group(1) if m.group(1) is not None else m.group(2)))
    return out


def lua_references(path: Path, table: str) -> list[Hit]:
    """``TABLE.NAME`` uses in a Lua script: ``lua_references(p, "REASON")`` -> NAME hits."""
    pattern = re.compile(rf"\b{re.escape(table)}\.([A-Z][A-Z0-9_]*)")
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        for m in pattern.finditer(_LUA_COMMENT.sub("", line)):
            out.append((rel(path), n, m.group(1)))
    return out


def js_compared_words(path: Path, props: Iterable[str] = ("status", "reason")) -> list[Hit]:
    """Strings a JS file compares a ``.status`` / ``.reason`` with (``a.status === "cancelled"``)."""
    names = "|".join(re.escape(p) for p in props)
    pattern = re.compile(
        rf"""\.(?:{names})\s*[!=]==?\s*["']([^"']+)["']|["']([^"']+)["']\s*[!=]==?\s*\w+\.(?:{names})\b"""
    )
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        for m in pattern.finditer(_JS_LINE_COMMENT.sub(r"\1", line)):
            out.append((rel(path), n, m.group(1) or m.group(2)))
    return out


def refusal_codes(path: Path, raisers: Iterable[str] = ("ApiError", "Refusal")) -> list[Hit]:
    """The first argument of each ``ApiError(...)`` / ``Refusal(...)`` call, as written.

    A constant reference reads ``NAME`` (``v.SOLD_OUT`` -> ``SOLD_OUT``); a literal reads
    ``'literal:<text>'`` so a test can refuse it; anything else reads ``'?'``.
    """
    names = set(raisers)
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if called not in names:
            continue
        arg = node.args[0]
        if isinstance(arg, ast.Constant):
            code = f"literal:{arg.value}"
        elif isinstance(arg, ast.Attribute):
            code = arg.attr
        elif isinstance(arg, ast.Name):
            code = arg.id
        else:
            code = "?"
        out.append((rel(path), node.lineno, code))
    return out


def stray_words(hits: Iterable[Hit], words: Iterable[str]) -> list[str]:
    """The hits whose text is one of ``words``, as ``path:line: 'word'`` lines."""
    wanted = set(words)
    return [f"{p}:{n}: {w!r}" for p, n, w in hits if w in wanted]


def files(root: str, pattern: str, exclude: Iterable[str] = ()) -> list[Path]:
    """Files under ``ROOT/root`` matching ``pattern``, without those whose path ends with an exclusion."""
    skip = tuple(exclude)
    return sorted(
        p for p in (ROOT / root).rglob(pattern) if not rel(p).endswith(skip) and ".venv" not in p.parts
    )


def constant_names(module: ModuleType, values: Iterable[str]) -> dict[str, str]:
    """``NAME -> value`` for the module's upper-case constants whose value is one of ``values``."""
    wanted = set(values)
    return {
        k: val for k, val in vars(module).items() if k.isupper() and isinstance(val, str) and val in wanted
    }


def unused_names(names: Iterable[str], sources: Mapping[str, str]) -> list[str]:
    """The names no source text mentions as a whole word (``sources``: path -> text)."""
    texts = list(sources.values())
    return sorted(n for n in names if not any(re.search(rf"\b{re.escape(n)}\b", t) for t in texts))


def read_all(paths: Iterable[Path]) -> dict[str, str]:
    return {rel(p): p.read_text(encoding="utf-8") for p in paths}

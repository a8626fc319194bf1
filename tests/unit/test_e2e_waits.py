"""Every wait_for_function predicate in the browser tests is a function.

Playwright evaluates a bare expression with ``eval`` on every poll. The first poll runs
inside the DevTools call and passes the pages' Content-Security-Policy; a later poll,
from a timer, is refused ('unsafe-eval' is not allowed). So a bare expression passes
when the page is already in the state the test waits for and fails when it has to wait
(CI at fab2fa4). A function is evaluated once and then only called.
"""

import ast
from pathlib import Path

E2E = Path(__file__).resolve().parents[1] / "e2e"


def _predicates():
    for path in sorted(E2E.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "wait_for_function"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                yield f"{path.name}:{node.lineno}", node.args[0].value


def test_the_browser_tests_wait_on_something():
    assert len(list(_predicates())) > 10


def test_every_predicate_is_a_function_so_the_csp_lets_it_poll():
    bare = [
        where
        for where, text in _predicates()
        if "=>" not in text.split("\n")[0] and not text.lstrip().startswith("function")
    ]
    assert bare == []

"""Issue 24 §9: the CLI answers an outage in one line, not a traceback (Redis away gave 51 lines)."""

from __future__ import annotations

from pathlib import Path

from sciday import embedded
from sciday.cli import main


def test_redis_down_is_one_line(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("SCIDAY_VAR_DIR", str(tmp_path))
    port = embedded.free_port()  # nothing listens there
    catalogue = str(Path(__file__).resolve().parents[2] / "data" / "catalogue.yaml")
    rc = main(["seed", "--file", catalogue, "--redis-url", f"redis://127.0.0.1:{port}/0"])
    out, err = capsys.readouterr()
    assert rc == 1 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("sciday seed: Redis is not reachable (") and str(port) in err


def test_a_bug_still_shows_its_traceback(monkeypatch, tmp_path):
    import pytest

    from sciday import tokens

    monkeypatch.setenv("SCIDAY_VAR_DIR", str(tmp_path))
    monkeypatch.setattr(tokens, "_records", lambda *_: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        main(["token", "list", "--redis-url", "redis://127.0.0.1:1/0"])

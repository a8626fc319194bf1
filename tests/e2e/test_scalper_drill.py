"""The scalper drill against the real processes (gunicorn, the relay, the consumers), as `make
bench` runs it: bench/drill.py starts its own stack with the production limits on. About 1.5 min
on 2 cores. The integration-level drill (tests/integration/test_scalper_drill.py) checks the
same rules in more detail."""

from __future__ import annotations

from bench import drill, loadgen


def test_scalper_drill_on_the_real_processes(tmp_path, capsys):
    loadgen.build()
    out = drill.run(tmp_path)
    with capsys.disabled():
        print("\n" + drill.line(out))
    assert out["unverified_seats"] == 0, out  # no seat from an unverified number
    assert out["attacker_seats"] <= out["bound"], out  # verified phones x 1 x party limit
    assert out["taken"] == out["seats"], out  # sold out, never oversold
    assert out["status"].get("401", 0) >= drill.UNVERIFIED // 2, out  # the made-up numbers were refused
    assert not any(k.startswith("5") or k == "0" for k in out["status"]), out

"""Build and run the compiled load generator (bench/loadgen, Rust, std only) and read its CSV."""

from __future__ import annotations

import csv
import resource
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent / "loadgen"
BINARY = HERE / "target" / "release" / "sciday-loadgen"


def build() -> Path:
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=HERE, check=True)
    return BINARY


@dataclass
class Run:
    samples: list[tuple[int, int, int]]  # (start_us, latency_us, status)
    wall_s: float
    client_cpu_s: float
    late_us: list[int] | None = None  # paced lines (`@<us>`): how late each left, start - schedule

    @property
    def rate(self) -> float:
        return len(self.samples) / self.wall_s

    def count(self, pred) -> int:
        return sum(1 for s in self.samples if pred(s[2]))

    def percentile(self, p: float, samples=None) -> float:
        lat = sorted(s[1] for s in (samples if samples is not None else self.samples))
        if not lat:
            return float("nan")
        return lat[min(len(lat) - 1, int(p / 100 * len(lat)))] / 1000.0  # ms


def run(addr: str, requests: list[str], connections: int, out: Path, headers: Sequence[str] = ()) -> Run:
    req_file = out.with_suffix(".req")
    req_file.write_text("\n".join(requests) + "\n", encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    proc = subprocess.run(
        [str(BINARY), addr, str(req_file), str(connections), str(out), *headers], capture_output=True
    )
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the load generator is the only child reaped here
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise RuntimeError(f"loadgen failed: {proc.stderr.decode()}")
    with open(out, newline="") as fh:
        table = list(csv.DictReader(fh))
    rows = [(int(r["start_us"]), int(r["latency_us"]), int(r["status"])) for r in table]
    late = [int(r["start_us"]) - int(r["sched_us"]) for r in table if int(r.get("sched_us") or 0) > 0]
    span = (max(s + l for s, l, _ in rows) - min(s for s, _, _ in rows)) / 1e6 if rows else wall
    return Run(rows, span, cpu, late or None)

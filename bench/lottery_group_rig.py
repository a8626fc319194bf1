"""What the end-to-end group bench (bench/lottery_group_stack.py) drives the engine through: two
recorded beacon rounds named in turn, the group store's scripts queued on a pipeline, and steps
timed with redis-server's own CPU beside this process's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.lottery_group import Steps
from services.registration.lottery.recorded_beacon import Recorded


class RecordedPair(Recorded):
    """Two recorded quicknet rounds, named in turn for the group's freezes: a demonstration
    (``source`` recorded), each value verified by the draw as a fetched one is."""

    def __init__(self) -> None:
        shipped = Recorded.shipped()
        super().__init__(shipped.rounds, shipped.chain)
        self.named: dict[float, int] = {}

    def round_after(self, t: float) -> int:
        return self.named.setdefault(t, sorted(self.rounds)[len(self.named)])


class RedisSteps(Steps):
    """Steps with redis-server's own CPU beside this process's (the Lua runs there)."""

    def __init__(self, redis) -> None:
        super().__init__()
        self.redis = redis
        self.redis_cpu: dict[str, float] = {}

    def _cpu(self) -> float:
        info = self.redis.info("cpu")
        return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])

    def run(self, name: str, fn: Callable[[], Any]) -> Any:
        before = self._cpu()
        out = super().run(name, fn)
        self.redis_cpu[name] = round(self._cpu() - before, 3)
        return out


class PipelinedScripts:
    """The group store's scripts, queued on a pipeline: the store builds every key and argument as
    it does for one entry; the answers are read from the pipeline afterwards."""

    def __init__(self, scripts: Any, pipe: Any) -> None:
        self.scripts, self.pipe = scripts, pipe

    def __getattr__(self, name: str) -> Callable[..., bytes]:
        script = getattr(self.scripts, name)

        def queued(*, keys, args):
            script(keys=keys, args=args, client=self.pipe)
            return b'{"status": "ok"}'

        return queued

"""Throttle accuracy: does a campaign capped at ``throttle_per_hour`` send at that rate, smoothly?

    python -m bench.throttle [--per-hour 36000] [--minutes 5]

A real `herald worker` process sends a campaign (more recipients than the window can take) on
PostgreSQL into an SMTP server on loopback that stamps each message's arrival. Over ``--minutes``
after the first second it reports the achieved rate against the allowed one (target 95–100 %)
and the busiest one-second window against the average (target ≤ 2×). The baseline is the allowed
rate itself. Figures go to ``bench/RESULTS-throttle.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections import Counter
from typing import Any

from aiosmtpd.controller import Controller

from bench._worker import spawn_worker, stop_worker
from bench.common import drop_postgres, fresh_postgres, machine_line, write_results
from bench.dispatch import campaign, populate, settings
from bench.smtp_send import free_port
from herald.runtime import build_runtime

WARM_UP = 1.0


class Stamper:
    """An SMTP handler that keeps only the arrival time of every message."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.arrivals.append(time.monotonic())
        return "250 OK"


async def main(args: argparse.Namespace) -> int:
    window = args.minutes * 60
    allowed = args.per_hour / 3600.0
    url = await asyncio.to_thread(fresh_postgres, "bench_throttle")
    port = free_port()
    stamper = Stamper()
    controller = Controller(stamper, hostname="127.0.0.1", port=port)
    controller.start()
    rt = build_runtime(settings(url, port, 4))
    try:
        await populate(rt, int(allowed * window * 1.5) + 100)
        worker = spawn_worker(url, port)
        try:
            await campaign(rt, args.per_hour)
            while not stamper.arrivals:  # noqa: ASYNC110 - the sink runs in another thread
                await asyncio.sleep(0.1)
            first = stamper.arrivals[0]
            while time.monotonic() < first + WARM_UP + window + 1:
                if worker.poll() is not None:
                    raise RuntimeError("the worker died")
                await asyncio.sleep(0.5)
        finally:
            stop_worker(worker)
    finally:
        await rt.close()
        controller.stop()
        drop_postgres(url)

    # The first second is warm-up (SMTP connections opening); the window is the next
    # ``--minutes``. The rate of events is (messages − 1) / (last − first): intervals.
    start = first + WARM_UP
    inside = [t - start for t in stamper.arrivals if 0 <= t - start <= window]
    achieved = (len(inside) - 1) / (inside[-1] - inside[0])
    seconds = Counter(int(t) for t in inside)
    per_second = [seconds.get(s, 0) for s in range(int(window))]
    busiest = max(per_second)
    minutes = [sum(per_second[m * 60 : (m + 1) * 60]) for m in range(args.minutes)]
    met = 0.95 <= achieved / allowed <= 1.0 and busiest <= 2 * achieved
    median, stdev = statistics.median(per_second), statistics.pstdev(per_second)
    body = f"""## Throttle accuracy (`python -m bench.throttle`)

{machine_line()} · PostgreSQL · one `herald worker` process, 4 SMTP connections · aiosmtpd on
loopback stamping each arrival · `throttle_per_hour` = {args.per_hour:,}

| measurement | figure |
|---|---|
| allowed rate (baseline) | {allowed:.2f} msg/s · {allowed * window:,.0f} in {args.minutes} min |
| achieved, {args.minutes} min after 1 s warm-up ({len(inside):,} sent) | {achieved:.3f} msg/s |
| **achieved / allowed** | **{achieved / allowed:.1%}** (target 95–100 %) |
| busiest one-second window | **{busiest} = {busiest / achieved:.2f}× the average** (target ≤ 2×) |
| one-second windows: median · stdev | {median:.0f} · {stdev:.2f} |
| per minute | {" · ".join(f"{m:,}" for m in minutes)} |

Targets {"met" if met else "NOT met"}.
"""
    write_results("throttle", body)
    print(body)
    return 0


def run() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-hour", type=int, default=36_000)
    parser.add_argument("--minutes", type=int, default=5)
    return asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(run())

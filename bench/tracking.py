"""Open pixel and click redirect under load, against a bare endpoint in the same run.

    python -m bench.tracking [--rounds 3] [--duration 8] [--connections 64] [--subscribers 20000]

Herald is started as a real server (`herald serve --no-worker`, one process, PostgreSQL) and
loaded with wrk over loopback, every request carrying a distinct recipient's signed token. The
baseline is a bare FastAPI app (bench/_bare_pixel.py) returning the same PNG or redirect, served by
the same uvicorn with the same options. After the run Herald is stopped gracefully (its recorder
flushes on shutdown) and the tracking events in the database are counted: every request wrk saw
answered must be there. Figures go to ``bench/RESULTS-tracking.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import text

from bench.common import drop_postgres, fresh_postgres, machine_line, write_results
from bench.dispatch import campaign, populate, settings
from bench.smtp_send import free_port
from herald.campaigns.dispatch.starter import start_campaign
from herald.kit.db import transaction
from herald.kit.tokens import Purpose, TokenSigner
from herald.runtime import build_runtime

HOST = "127.0.0.1"
SECRET = "bench-secret-key-0123456789abcdef"
LUA = """
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i + 1
  if i > #paths then i = 1 end
  return wrk.format("GET", paths[i], {["User-Agent"] = "Mozilla/5.0 (X11; Linux) bench"})
end
"""


@dataclass
class WrkResult:
    requests: int
    rps: float
    errors: int
    p99_ms: float


def run_wrk(port: int, paths_file: Path, duration: int, connections: int) -> WrkResult:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA % paths_file)
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-s",
            script.name,
            f"http://{HOST}:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script.name)
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in m.groups())
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    p99_ms = float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan")
    return WrkResult(requests, rps, errors, p99_ms)


def wait_ready(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        try:
            httpx.get(f"http://{HOST}:{port}/public/newsletter/open/x.png", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def start_herald(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HERALD_DATABASE_URL": url,
        "HERALD_SECRET_KEY": SECRET,
        "HERALD_BASE_URL": "https://herald.example",
        "HERALD_LOG_LEVEL": "WARNING",
        "HERALD_DATA_DIR": tempfile.mkdtemp(prefix="herald-bench-"),
    }
    herald = Path(sys.executable).parent / "herald"
    cmd = [str(herald), "serve", "--no-worker", "--host", HOST, "--port", str(port)]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)


def start_bare(port: int) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "uvicorn", "bench._bare_pixel:app", "--host", HOST]
    cmd += ["--port", str(port), "--no-access-log", "--log-level", "warning"]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL)


def stop(proc: subprocess.Popen[bytes]) -> float:
    """Stop gracefully; returns how long the shutdown (and so the final flush) took."""
    began = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=300)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return time.perf_counter() - began


async def prepare(url: str, subscribers: int, workdir: Path) -> tuple[Path, Path]:
    rt = build_runtime(settings(url, 1, 1).model_copy(update={"secret_key": SECRET}))
    try:
        await populate(rt, subscribers)
        cid = await campaign(rt, 5000)
        async with transaction(rt.sessions) as s:
            await start_campaign(s, cid)
            await s.flush()
            link_id = (
                await s.execute(
                    text("SELECT min(id) FROM campaign_links WHERE campaign_id = :c"), {"c": cid}
                )
            ).scalar_one()
            ids = [r for (r,) in await s.execute(text("SELECT id FROM subscribers ORDER BY id"))]
        signer: TokenSigner = rt.signer
    finally:
        await rt.close()
    opens, clicks = workdir / "opens.txt", workdir / "clicks.txt"
    open_tokens = [signer.issue(Purpose.OPEN, i, cid) for i in ids]
    click_tokens = [signer.issue(Purpose.CLICK, i, link_id) for i in ids]
    opens.write_text("".join(f"/public/newsletter/open/{t}.png\n" for t in open_tokens))
    clicks.write_text("".join(f"/public/newsletter/click/{t}\n" for t in click_tokens))
    return opens, clicks


async def count_events(url: str, kind: str) -> int:
    rt = build_runtime(settings(url, 1, 1))
    try:
        async with transaction(rt.sessions) as s:
            q = text("SELECT count(*) FROM tracking_events WHERE kind = :k")
            return int((await s.execute(q, {"k": kind})).scalar_one())
    finally:
        await rt.close()


def row(name: str, r: WrkResult, base: WrkResult | None) -> str:
    ratio = f"**{r.rps / base.rps:.0%}**" if base else "100%"
    return f"| {name} | {r.requests:,} | **{r.rps:,.0f}** | {r.p99_ms:.1f} | {r.errors} | {ratio} |"


def merged(runs: list[WrkResult]) -> WrkResult:
    """All rounds of one kind: total requests and errors, the median rate and p99."""
    return WrkResult(
        requests=sum(r.requests for r in runs),
        rps=statistics.median(r.rps for r in runs),
        errors=sum(r.errors for r in runs),
        p99_ms=statistics.median(r.p99_ms for r in runs),
    )


async def main(args: argparse.Namespace) -> int:
    url = await asyncio.to_thread(fresh_postgres, "bench_tracking")
    workdir = Path(tempfile.mkdtemp(prefix="herald-bench-tracking-"))
    bare_port, port = free_port(), free_port()
    runs: dict[str, list[WrkResult]] = {k: [] for k in ("bo", "ho", "bc", "hc")}
    try:
        opens, clicks = await prepare(url, args.subscribers, workdir)
        bare, herald = start_bare(bare_port), start_herald(url, port)
        try:
            wait_ready(bare_port, bare)
            wait_ready(port, herald)
            run_wrk(bare_port, opens, 2, args.connections)  # warm-up (records nothing)
            # Interleaved rounds, so that whatever else the machine does hits both sides alike.
            for _ in range(args.rounds):
                runs["bo"].append(run_wrk(bare_port, opens, args.duration, args.connections))
                runs["ho"].append(run_wrk(port, opens, args.duration, args.connections))
                runs["bc"].append(run_wrk(bare_port, clicks, args.duration, args.connections))
                runs["hc"].append(run_wrk(port, clicks, args.duration, args.connections))
        finally:
            stop(bare)
            shutdown = stop(herald)  # graceful: the recorder flushes what it buffered
        open_events = await count_events(url, "open")
        click_events = await count_events(url, "click")
    finally:
        drop_postgres(url)
    bare_open, herald_open = merged(runs["bo"]), merged(runs["ho"])
    bare_click, herald_click = merged(runs["bc"]), merged(runs["hc"])

    lost_open = max(0, herald_open.requests - open_events)
    lost_click = max(0, herald_click.requests - click_events)
    body = f"""## Tracking endpoints (`python -m bench.tracking`)

{machine_line()} · PostgreSQL · wrk, 1 thread, {args.connections} connections, loopback ·
one uvicorn process per server · {args.rounds} interleaved rounds of {args.duration} s per
endpoint (req/s and p99: median round; requests and errors: all rounds) · every request a
distinct recipient's token (cycling over {args.subscribers:,})

| endpoint | requests | req/s | p99 ms | errors | vs bare |
|---|---:|---:|---:|---:|---:|
{row("bare FastAPI pixel (baseline)", bare_open, None)}
{row("Herald open pixel", herald_open, bare_open)}
{row("bare FastAPI redirect (baseline)", bare_click, None)}
{row("Herald click redirect", herald_click, bare_click)}

Events in the database after Herald's graceful stop: {open_events:,} opens for
{herald_open.requests:,} answered open requests, {click_events:,} clicks for
{herald_click.requests:,} answered click requests — lost: {lost_open + lost_click}. The graceful
stop, including the recorder's last flush (the backlog its batch writer had not yet caught up
with), took {shutdown:.1f} s.
(Requests in flight when wrk stops are answered and recorded but not counted by wrk, so the
database may hold up to one more event per connection than wrk reports.)

Targets: ≥ 5,000 req/s and ≥ 70 % of the bare endpoint, zero errors, no event lost.
"""
    write_results("tracking", body)
    print(body)
    return 0


def run() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--subscribers", type=int, default=20_000)
    return asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(run())

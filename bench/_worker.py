"""A real `herald worker` process for the benchmarks that watch one: its environment, its
campaign's status, and its memory as the kernel accounts it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from sqlalchemy import text

from herald.kit.db import transaction
from herald.runtime import Runtime

SECRET = "bench-secret-key-0123456789abcdef"


def spawn_worker(db_url: str, smtp_port: int, **extra: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HERALD_DATABASE_URL": db_url,
        "HERALD_SECRET_KEY": SECRET,
        "HERALD_DATA_DIR": tempfile.mkdtemp(prefix="herald-bench-worker-"),
        "HERALD_DISTRIBUTORS": "smtp",
        "HERALD_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "HERALD_BASE_URL": "https://herald.example",
        "HERALD_POSTAL_ADDRESS": "1 Bench Street, Benchville",
        "HERALD_LOG_LEVEL": "WARNING",
        **extra,
    }
    herald = Path(sys.executable).parent / "herald"
    return subprocess.Popen([str(herald), "worker"], env=env, stdout=subprocess.DEVNULL)


def stop_worker(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def memory_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a live process, from /proc (VmRSS, VmHWM)."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


async def campaign_progress(rt: Runtime, campaign_id: int) -> tuple[str, int]:
    """(status, messages sent) of a campaign."""
    async with transaction(rt.sessions) as s:
        status = (
            await s.execute(text("SELECT status FROM campaigns WHERE id = :c"), {"c": campaign_id})
        ).scalar_one()
        sent = (
            await s.execute(
                text("SELECT count(*) FROM deliveries WHERE campaign_id = :c AND status = 'sent'"),
                {"c": campaign_id},
            )
        ).scalar_one()
    return str(status), int(sent)

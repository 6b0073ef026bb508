"""SMTP send benchmark: build + DKIM-sign + hand over 40 KB personalised marketing messages.

Runs Postfix's ``smtp-sink`` on 127.0.0.1 (an ephemeral port) and measures, in one run:

* **herald-rsa / herald-ed25519** — the production path: per-recipient personalisation, the
  failover chain's category checks and Message-ID stamping, the lean MIME writer, DKIM signing
  (RSA-2048 or Ed25519), VERP envelope sender, pooled connections of the ``smtp`` distributor;
* **baseline** — the same number of pre-built messages (not signed, built before the clock
  starts) sent by a plain aiosmtplib client over the same number of connections.

Per-core rates are messages per second of this process's CPU time (``time.process_time``);
wall-clock rates are shown too. Targets: ≥ 1,500 signed messages/s per core and ≥ 50 % of the
baseline's rate. Figures go to ``bench/RESULTS-smtp.md``; the exit status is 1 when a target is
missed. The run stops by itself (a hard time limit) and only talks to 127.0.0.1.

    .venv/bin/python -m bench.smtp_send  [BENCH_MESSAGES=6000 BENCH_CONNECTIONS=4]
"""

from __future__ import annotations

import asyncio
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiosmtplib

from herald.delivery import ids
from herald.delivery.chain import DistributorChain
from herald.delivery.dkim import Algorithm, DkimSigner, generate_key
from herald.delivery.message import Category, OutgoingMessage
from herald.delivery.mime import build_mime
from herald.delivery.providers.smtp import SmtpConfig, SmtpDistributor
from herald.kit.tokens import TokenSigner

HOST = "127.0.0.1"
MESSAGES = int(os.environ.get("BENCH_MESSAGES", "6000"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "4"))
BATCH = 500
TIME_LIMIT = float(os.environ.get("BENCH_TIME_LIMIT", "600"))
TARGET_PER_CORE = 1500.0
TARGET_SHARE = 0.5
RESULTS = Path(__file__).with_name("RESULTS-smtp.md")
DOMAIN = "news.example.com"

PARAGRAPH = (
    '<p style="font-family:Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5">'
    "Hello {name}, this month we look at the harbour renovation, the new cycling lanes and "
    'the winter market. <a href="https://herald.example/c/{token}/{n}">Read the story</a> — '
    "and tell us what you think. Grüße from the newsroom.</p>\n"
)


def template() -> tuple[str, str]:
    parts, n = [], 0
    while sum(len(p) for p in parts) < 40_000:
        parts.append(PARAGRAPH.replace("{n}", str(n)))
        n += 1
    html = "<!doctype html><html><body>\n" + "".join(parts) + "</body></html>\n"
    text = "Hello {name},\n\n" + "This month: harbour, cycling lanes, winter market.\n" * 60
    return html, text


HTML, TEXT = template()


def personalised(campaign: int, subscriber: int) -> OutgoingMessage:
    name = f"Reader {subscriber}"
    token = f"tk{subscriber:08d}x{campaign:04d}"
    return OutgoingMessage(
        category=Category.MARKETING,
        sender=f"letters@{DOMAIN}",
        sender_name="The Harbour Herald",
        recipient=f"reader{subscriber}@mail.example.org",
        recipient_name=name,
        subject=f"{name}, your June issue",
        text=TEXT.replace("{name}", name),
        html=HTML.replace("{name}", name).replace("{token}", token),
        idempotency_key=str(ids.marketing_key(campaign, subscriber)),
        tenant_id=7,
        headers={
            "List-Unsubscribe": f"<https://herald.example/u/{token}>, <mailto:u+{token}@{DOMAIN}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Feedback-ID": f"{campaign}:7:marketing:herald",
        },
    )


class StaticKeyring:
    def __init__(self, signer: DkimSigner) -> None:
        self.signer = signer

    async def signer_for(self, tenant_id: int | None, sender_domain: str) -> DkimSigner | None:
        return self.signer


@dataclass
class Figures:
    name: str
    messages: int
    wall: float
    cpu: float

    @property
    def per_core(self) -> float:
        return self.messages / self.cpu

    @property
    def wall_rate(self) -> float:
        return self.messages / self.wall


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start_sink(port: int) -> subprocess.Popen[bytes]:
    binary = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
    if not os.path.exists(binary):
        sys.exit("smtp-sink not found: apt-get install postfix (see scripts/apt-packages.txt)")
    command = [binary]
    if os.geteuid() == 0:
        command += ["-u", "nobody"]
    command += [f"{HOST}:{port}", "1024"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection((HOST, port), timeout=0.5).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("smtp-sink did not start")


async def run_herald(port: int, algorithm: Algorithm) -> Figures:
    pair = generate_key(algorithm)
    signer = DkimSigner(DOMAIN, "bench", algorithm, pair.private_pem)
    config = SmtpConfig(HOST, port, None, None, use_tls=False, start_tls=False)
    smtp = SmtpDistributor(
        config,
        CONNECTIONS,
        keyring=StaticKeyring(signer),
        tokens=TokenSigner([b"bench-secret-key-0123456789"]),
        bounce_domain=f"bounces.{DOMAIN}",
    )
    chain = DistributorChain([smtp], secret=b"bench-secret")
    # Warm up: open every pooled connection before the clock starts.
    await chain.send_bulk([personalised(1, i) for i in range(CONNECTIONS * 2)])
    wall, cpu = time.perf_counter(), time.process_time()
    sent = 0
    for start in range(1, MESSAGES + 1, BATCH):
        batch = [personalised(2, i) for i in range(start, min(start + BATCH, MESSAGES + 1))]
        results = await chain.send_bulk(batch)
        failed = [r for r in results if not r.accepted]
        if failed:
            raise RuntimeError(f"{len(failed)} refused: {failed[0].error}")
        sent += len(results)
    figures = Figures(
        f"herald-{algorithm.value}", sent, time.perf_counter() - wall, time.process_time() - cpu
    )
    await chain.close()
    return figures


async def run_baseline(port: int) -> Figures:
    raws = [build_mime(personalised(3, i)) for i in range(1, MESSAGES + 1)]
    clients = [aiosmtplib.SMTP(hostname=HOST, port=port, timeout=30) for _ in range(CONNECTIONS)]
    for client in clients:
        await client.connect()

    async def lane(client: aiosmtplib.SMTP, share: list[bytes]) -> None:
        for n, raw in enumerate(share):
            await client.sendmail(f"letters@{DOMAIN}", [f"reader{n}@mail.example.org"], raw)

    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(lane(c, raws[i::CONNECTIONS]) for i, c in enumerate(clients)))
    figures = Figures("baseline", len(raws), time.perf_counter() - wall, time.process_time() - cpu)
    for client in clients:
        await client.quit()
    return figures


def report(results: list[Figures]) -> tuple[str, bool]:
    base = next(r for r in results if r.name == "baseline")
    ok = True
    rows = []
    for r in results:
        share = r.per_core / base.per_core
        wall_share = r.wall_rate / base.wall_rate
        verdict = ""
        if r.name != "baseline":
            met = r.per_core >= TARGET_PER_CORE and share >= TARGET_SHARE
            ok = ok and met
            verdict = "met" if met else "MISSED"
        rows.append(
            f"| {r.name} | {r.messages} | {r.cpu:.2f} | {r.per_core:,.0f} | {r.wall:.2f} | "
            f"{r.wall_rate:,.0f} | {share:.0%} | {wall_share:.0%} | {verdict} |"
        )
    size = len(build_mime(personalised(9, 9)))
    text = "\n".join(
        [
            "# SMTP send benchmark",
            "",
            f"`python -m bench.smtp_send` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())};"
            f" Python {platform.python_version()}, {platform.machine()},"
            f" {os.cpu_count()} CPU(s) (shared with other work while this ran).",
            "",
            f"{MESSAGES} personalised marketing messages of {size / 1024:.1f} KB on the wire"
            f" ({len(HTML) / 1024:.0f} KB HTML template as base64, quoted-printable text part)"
            f" to Postfix `smtp-sink` on 127.0.0.1 over {CONNECTIONS}"
            " connections. *Per core* = messages / CPU seconds of the sending process"
            " (`time.process_time`); *wall* = messages / elapsed seconds. The baseline sends"
            " the same number of pre-built, unsigned messages with a plain aiosmtplib client"
            " over the same number of connections.",
            "",
            "| run | messages | CPU s | msg/s per core | wall s | msg/s wall |"
            " vs baseline (CPU) | vs baseline (wall) | targets |",
            "|---|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            f"Targets: ≥ {TARGET_PER_CORE:,.0f} signed messages/s per core and"
            f" ≥ {TARGET_SHARE:.0%} of the baseline's per-core rate.",
            "",
            "Context — the signature operation alone in this run (OpenSSL through"
            " `cryptography`, same process): "
            + ", ".join(f"{name} {rate:,.0f} signatures/s per core" for name, rate in SIGN_ONLY)
            + ".",
            "",
        ]
    )
    return text, ok


SIGN_ONLY: list[tuple[str, float]] = []


def measure_sign_only() -> None:
    for algorithm in (Algorithm.RSA, Algorithm.ED25519):
        signer = DkimSigner(DOMAIN, "bench", algorithm, generate_key(algorithm).private_pem)
        data = b"x" * 600
        n = 2000
        cpu = time.process_time()
        for _ in range(n):
            signer.sign_bytes(data)
        SIGN_ONLY.append((algorithm.tag, n / (time.process_time() - cpu)))


async def main() -> int:
    measure_sign_only()
    port = free_port()
    sink = start_sink(port)
    try:
        results = [await run_baseline(port)]
        for algorithm in (Algorithm.RSA, Algorithm.ED25519):
            results.append(await run_herald(port, algorithm))
    finally:
        sink.terminate()
        try:
            sink.wait(timeout=5)
        except subprocess.TimeoutExpired:
            sink.kill()
    text, ok = report(results)
    RESULTS.write_text(text)
    print(text)
    return 0 if ok else 1


def run() -> int:
    async def bounded() -> int:
        return await asyncio.wait_for(main(), timeout=TIME_LIMIT)

    return asyncio.run(bounded())


if __name__ == "__main__":
    sys.exit(run())

#!/usr/bin/env python3
"""WeChat webhook speed: latency p50/p99 for plain and safe-mode (AES) messages, and requests per second,
against one `python bot.py wechat` worker on 127.0.0.1 (started and stopped here).

    python benchmarks/bench_wechat.py [--requests 400] [--concurrency 16]

Every request is a new message (a new MsgId), so each one pays for the whole path: signature, AES,
XML, de-duplication rows in SQLite, the handler, and the sealed reply.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from wechat_fakes import FakeWeChat  # noqa: E402

ENV = {"WECHAT_TOKEN": "bench-token", "WECHAT_AES_KEY": "VHVhbld1T2ZmaWNpYWxBY2NvdW50VGVzdEtleTAwMDE",
       "WECHAT_APPID": "wx0000000000bench"}
MESSAGES = {"help": "帮助", "question": "入团前需要参加多少学时的团课？"}


def start_server(db: str, port: int, aes: bool) -> subprocess.Popen:
    """One worker; with the AES key set it accepts only safe-mode messages (plaintext is refused)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "WECOM_", "TELEGRAM_"))}
    env.update(ENV, TUANWU_DATA_DIR=str(Path(db).parent))
    if not aes:
        env.pop("WECHAT_AES_KEY")
    proc = subprocess.Popen([sys.executable, str(ROOT / "bot.py"), "wechat", "--db", db, "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("server did not start")


async def one(session, wechat: FakeWeChat, text: str, safe: bool) -> float:
    t0 = time.perf_counter()
    status, reply, _ = await wechat.post(session, wechat.text(f"oBench{wechat.next_id() % 997}", text), safe=safe)
    elapsed = time.perf_counter() - t0
    assert status == 200 and isinstance(reply, dict) and reply["Content"], (status, reply)
    return elapsed


async def measure(url: str, text: str, safe: bool, requests: int, concurrency: int) -> dict:
    clock = lambda: dt.datetime.now(dt.timezone.utc)  # noqa: E731
    wechat = FakeWeChat(url, clock, ENV["WECHAT_TOKEN"], ENV["WECHAT_AES_KEY"] if safe else "", ENV["WECHAT_APPID"])
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        for _ in range(10):  # warm up
            await one(session, wechat, text, safe)
        latencies = sorted([await one(session, wechat, text, safe) for _ in range(requests)])
        queue = asyncio.Queue()
        for _ in range(requests):
            queue.put_nowait(None)

        async def worker():
            while not queue.empty():
                queue.get_nowait()
                await one(session, wechat, text, safe)

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        rps = requests / (time.perf_counter() - t0)
    return {"p50": statistics.median(latencies) * 1000,
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, "rps": rps}


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=400, help="requests per measurement")
    ap.add_argument("--concurrency", type=int, default=16, help="clients at once for the throughput run")
    args = ap.parse_args()
    print(f"one worker, {args.requests} sequential requests for latency, "
          f"{args.requests} at concurrency {args.concurrency} for throughput")
    print(f"{'message':<10} {'mode':<6} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8}")
    for safe in (False, True):  # plain mode: a server without the AES key (with it, plaintext is refused)
        with tempfile.TemporaryDirectory() as tmp:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            proc = start_server(os.path.join(tmp, "bench.db"), port, aes=safe)
            try:
                url = f"http://127.0.0.1:{port}/wechat"
                for name, text in MESSAGES.items():
                    r = asyncio.run(measure(url, text, safe, args.requests, args.concurrency))
                    print(f"{name:<10} {'aes' if safe else 'plain':<6} {r['p50']:>8.1f} {r['p99']:>8.1f} {r['rps']:>8.0f}")
                print(f"server peak RSS ({'aes' if safe else 'plain'}): {peak_rss_mb(proc.pid):.0f} MB")
            finally:
                proc.terminate()
                proc.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())

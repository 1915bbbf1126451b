"""Telegram adapter speed through the Bot API emulator on 127.0.0.1 (telegram-test-api behind
tests/telegram_emulator.js): round-trip latency p50/p99 in long-polling and webhook mode, and
sustained messages per second.

    .venv/bin/python benchmarks/bench_telegram.py [--rounds 200] [--burst 300]

Round trip: a user sends a message; the clock stops when the bot's reply reaches the user's side
(one at a time, at most 20 a second, below the rate limit).
Sustained: `--burst` messages from 20 users at once, until every reply has arrived — once with the
production rate limiter (AIORateLimiter: Telegram's 30 messages/s overall), once without it to show
what the adapter itself can carry. Needs Node.js and npm (the emulator is installed on first use).
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from db import Store  # noqa: E402
from handlers.adapters.telegram_run import TelegramConfig  # noqa: E402
from handlers.core.types import Context, Settings  # noqa: E402
from knowledge.base import KnowledgeBase  # noqa: E402
from knowledge.index import ensure_indexed  # noqa: E402
from telegram_emulator import Emulator, RunningBot, free_port, missing_reason, new_token  # noqa: E402

QUESTION = "入团前需要参加多少学时的团课？"
PACE = 0.05  # seconds between the starts of two round trips


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def round_trips(emu: Emulator, token: str, text: str, rounds: int, user: int) -> list[float]:
    """Paced at 20 a second: back to back they would exceed Telegram's 30/s and time the limiter."""
    times = []
    for _ in range(rounds):
        if times:
            time.sleep(max(0.0, PACE - times[-1] / 1000))
        start = time.perf_counter()
        emu.say(token, text, user=user)
        if not emu.replies(token, user, count=1, timeout=30):
            raise RuntimeError("no reply within 30 s")
        times.append((time.perf_counter() - start) * 1000)
    return times


def sustained(emu: Emulator, token: str, burst: int, users: list[int]) -> float:
    start = time.perf_counter()
    for n in range(burst):
        emu.say(token, "帮助", user=users[n % len(users)])
    got = {u: 0 for u in users}
    deadline = time.monotonic() + 120
    while sum(got.values()) < burst and time.monotonic() < deadline:
        for u in users:
            got[u] += len(emu._fetch(token, u))
        time.sleep(0.01)
    elapsed = time.perf_counter() - start
    if sum(got.values()) != burst:
        raise RuntimeError(f"{sum(got.values())} of {burst} replies arrived")
    return burst / elapsed


def report(label: str, times: list[float]) -> None:
    print(f"{label:<34} p50 {statistics.median(times):7.1f} ms   p99 {percentile(times, 99):7.1f} ms"
          f"   ({len(times)} round trips)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--burst", type=int, default=300)
    args = ap.parse_args()
    reason = missing_reason()
    if reason:
        print(f"cannot run: {reason}")
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="bench-telegram-"))
    store = Store(tmp / "bench.db")
    ensure_indexed(store)
    ctx = Context(store=store, kb=KnowledgeBase(store, str(tmp)), settings=Settings(db_path=str(tmp / "bench.db")))
    users = list(range(700_000, 700_020))
    for u in [*users, 710_000, 710_001]:
        store.profiles.set_region("telegram", str(u), "东莞")  # no first-contact region offer in the numbers
    emu = Emulator()
    try:
        for mode in ("polling", "webhook"):
            port = free_port()
            token = new_token()
            config = TelegramConfig(token=token, api_base=emu.url,
                                    webhook_url=f"http://127.0.0.1:{port}/tg" if mode == "webhook" else None,
                                    webhook_secret="bench-secret" if mode == "webhook" else None, port=port)
            bot = RunningBot(ctx, config)
            try:
                round_trips(emu, token, "帮助", 10, 710_000)  # warm up
                report(f"{mode}: command 帮助", round_trips(emu, token, "帮助", args.rounds, 710_000))
                report(f"{mode}: question (cited answer)", round_trips(emu, token, QUESTION, args.rounds, 710_001))
                rate = sustained(emu, token, args.burst, users)
                print(f"{mode + ': sustained, rate limited':<34} {rate:7.1f} messages/s  ({args.burst} from {len(users)} users)")
            finally:
                bot.close()
        token = new_token()
        bot = _unlimited_bot(ctx, token, emu.url)  # what the adapter carries by itself
        try:
            rate = sustained(emu, token, args.burst, users)
            print(f"{'polling: sustained, no limiter':<34} {rate:7.1f} messages/s  ({args.burst} from {len(users)} users)")
        finally:
            bot.close()
    finally:
        emu.stop()
        store.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def _unlimited_bot(ctx, token: str, api_base: str) -> RunningBot:
    import handlers.adapters.telegram_adapter as adapter_module

    real = adapter_module.AIORateLimiter
    adapter_module.AIORateLimiter = lambda max_retries: real(overall_max_rate=0, group_max_rate=0, max_retries=max_retries)
    try:
        return RunningBot(ctx, TelegramConfig(token=token, api_base=api_base))
    finally:
        adapter_module.AIORateLimiter = real


if __name__ == "__main__":
    sys.exit(main())

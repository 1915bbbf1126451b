"""A scheduler process for the crash and race tests (run as a script, not collected by pytest).

It ticks a database file at a fixed instant and "delivers" by appending one JSON line per send to a
log file — the fake platform's own record, which survives the process being killed.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from db import Store  # noqa: E402
from handlers.core.ratelimit import Limit  # noqa: E402
from handlers.core.scheduler import Scheduler  # noqa: E402
from handlers.core.types import Context, Reply, SendResult, Sender, Settings  # noqa: E402


class LogPlatform(Sender):
    def __init__(self, platform: str, path: str, delay: float):
        self.platform, self.path, self.delay = platform, path, delay

    async def send(self, reply: Reply) -> SendResult:
        if self.delay:
            await asyncio.sleep(self.delay)
        line = json.dumps({"platform": self.platform, "chat": reply.chat_id, "text": reply.text}, ensure_ascii=False)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            os.write(fd, (line + "\n").encode())  # one write(2) per line: whole lines even if killed
        finally:
            os.close(fd)
        return SendResult("sent")


def _wait_for_the_others(folder: Path, workers: int, give_up: float = 120.0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / str(os.getpid())).touch()
    deadline = time.monotonic() + give_up
    while len(list(folder.iterdir())) < workers and time.monotonic() < deadline:
        time.sleep(0.005)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--at", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--platform", action="append", default=[])
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--loops", type=int, default=1)
    ap.add_argument("--no-exclusive", action="store_true")
    ap.add_argument("--realtime", action="store_true", help="the clock runs from --at (rate-limit waits pass)")
    ap.add_argument("--limit", type=int, default=0, help="the fake platform takes at most N sends a second")
    ap.add_argument("--together", nargs=2, metavar=("DIR", "N"),
                    help="start once N workers are ready (each leaves a file in DIR): a common start however slowly "
                         "a loaded machine spawns them")
    args = ap.parse_args()
    at = dt.datetime.fromisoformat(args.at)
    store = Store(args.db)
    if args.together:
        _wait_for_the_others(Path(args.together[0]), int(args.together[1]))
    started = time.monotonic()
    clock = (lambda: at + dt.timedelta(seconds=time.monotonic() - started)) if args.realtime else (lambda: at)
    ctx = Context(store=store, kb=None, settings=Settings(db_path=args.db), clock=clock)
    senders = {p: LogPlatform(p, args.log, args.delay) for p in args.platform or ["fake"]}
    if args.limit:
        for sender in senders.values():
            sender.limits = (Limit("fake-overall", args.limit, 1.0),)
    for _ in range(args.loops):
        asyncio.run(Scheduler(ctx, senders, exclusive=not args.no_exclusive).tick())


if __name__ == "__main__":
    main()

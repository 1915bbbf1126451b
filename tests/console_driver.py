"""Driving the console adapter in-process, as a cadre types into `python bot.py console`: one line at a
time through ConsoleChat (the adapter's own loop and printing), on a Context whose clock tests move."""
from __future__ import annotations

import io

from handlers.adapters.console_adapter import ConsoleChat


class _Recording(ConsoleChat):
    """ConsoleChat that also keeps the Reply objects, for an attachment's bytes."""

    def handle(self, line: str):
        self.last = super().handle(line)
        return self.last


class Console:
    """`Console(ctx, "u1").say("打卡 …")` → what the terminal printed for that line; `.last` the replies."""

    def __init__(self, ctx, user: str = "console"):
        self.chat = _Recording(ctx, user=user, out=io.StringIO())

    def say(self, line: str) -> str:
        out = io.StringIO()
        self.chat.out = out
        self.chat.run(io.StringIO(line + "\n"))
        return out.getvalue().rstrip("\n")

    @property
    def last(self):
        return self.chat.last[-1]

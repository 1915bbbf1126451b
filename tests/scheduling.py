"""Test helpers for the scheduler: a fake platform at the edge that records what it was sent (and
when, by the injected clock) and can answer with scripted results, plus a tick that moves the
fake clock instead of sleeping."""
from __future__ import annotations

import asyncio
import threading
from collections import Counter
from dataclasses import dataclass

from handlers.core.scheduler import Scheduler
from handlers.core.types import Reply, SendResult, Sender


@dataclass
class Sent:
    platform: str
    chat_id: str
    text: str
    at: float


class FakePlatform(Sender):
    """Records every send; `script` maps a chat id to the results to answer, in order."""

    def __init__(self, platform: str, clock, script: dict[str, list[SendResult]] | None = None, hang: bool = False):
        self.platform, self.clock, self.script, self.hang = platform, clock, script or {}, hang
        self.sent: list[Sent] = []
        self.lock = threading.Lock()

    async def send(self, reply: Reply) -> SendResult:
        if self.hang:
            await asyncio.sleep(3600)
        scripted = self.script.get(reply.chat_id)
        result = scripted.pop(0) if scripted else SendResult("sent")
        if result.status in ("sent", "uncertain"):
            with self.lock:
                self.sent.append(Sent(self.platform, reply.chat_id, reply.text, self.clock().timestamp()))
        return result

    def texts(self, chat_id: str | None = None) -> list[str]:
        return [s.text for s in self.sent if chat_id is None or s.chat_id == chat_id]

    def duplicates(self) -> dict:
        counts = Counter((s.chat_id, s.text) for s in self.sent)
        return {k: n for k, n in counts.items() if n > 1}


def tick(ctx, *platforms: FakePlatform, budget: float | None = None, exclusive: bool = True):
    """One scheduler tick on the fake clock: waiting for a rate limit advances the clock."""

    async def sleep(seconds: float) -> None:
        ctx.clock.advance(seconds=seconds)

    senders = {p.platform: p for p in platforms}
    return asyncio.run(Scheduler(ctx, senders, sleep=sleep, exclusive=exclusive).tick(budget))


def group(text: str, chat: str = "-100", user: str = "admin1", platform: str = "telegram", title: str = "",
          admin: bool = True):
    from conftest import message

    return message(text, user=user, platform=platform, chat_id=chat, chat_type="group", chat_admin=admin,
                   chat_title=title or f"群{chat}")

"""The server's outbound side: which senders are configured, and pushes that run after the reply.

`Pusher.later(reply)` delivers in the background (a file, a late answer, a handler's push to another
chat), waiting out "retry" answers a few times; `start_timer` runs the scheduler's tick on a timer
inside the server. Everything is awaited or cancelled when the server stops.
"""
from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Callable

from handlers.adapters.wechat_config import WeChatConfig, wecom_app_config
from handlers.adapters.wechat_senders import OfficialAccountSender, WeComAppSender, WeComSender
from handlers.adapters.wecom_robot import WeComRobotSender
from handlers.core.types import Context, Reply, SendResult, Sender

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
MAX_WAIT = 60.0  # seconds between attempts at most


def build_senders(ctx: Context, config: WeChatConfig) -> dict[str, Sender]:
    """Senders by platform, for whatever the environment configures (the scheduler uses the same)."""
    senders: dict[str, Sender] = {}
    if config.product == "wechat" and config.can_push:
        senders["wechat"] = OfficialAccountSender(config)
    app_config = config if config.product == "wecom" and config.can_push else wecom_app_config(ctx.settings.env)
    app = WeComAppSender(app_config, ctx.clock) if app_config else None
    robots = WeComRobotSender(config.robots, ctx.clock) if config.robots else None
    if app or robots:
        senders["wecom"] = WeComSender(app, robots)
    return senders


class Pusher:
    def __init__(self, senders: dict[str, Sender]):
        self.senders = senders
        self.results: list[tuple[Reply, SendResult]] = []  # what was pushed and how it ended
        self._tasks: set[asyncio.Task] = set()
        self._timer: asyncio.Task | None = None

    def can_reach(self, platform: str) -> bool:
        return platform in self.senders

    def later(self, reply: Reply) -> None:
        self.track(self.deliver(reply))

    def track(self, work) -> None:
        """Run a coroutine in the background, awaited (or cancelled) when the server stops."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def deliver(self, reply: Reply) -> SendResult:
        sender = self.senders.get(reply.platform or "")
        if sender is None:
            result = SendResult("failed", detail=f"no sender for platform {reply.platform!r}")
        else:
            for _ in range(MAX_ATTEMPTS):
                result = await sender.send(reply)
                if result.status != "retry":
                    break
                await asyncio.sleep(min(max(result.retry_after, 0.5), MAX_WAIT))
        level = logging.INFO if result.status == "sent" else logging.WARNING
        log.log(level, "push to %s: %s %s", reply.platform, result.status, result.detail)
        self.results.append((reply, result))
        return result

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for the pushes under way (tests, and a clean shutdown)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    def start_timer(self, tick: Callable, every: float) -> None:
        async def loop() -> None:
            while True:
                try:
                    outcome = tick()
                    if inspect.isawaitable(outcome):
                        await outcome
                except Exception:  # a failing tick must not stop the timer (or the server)
                    log.exception("scheduler tick failed")
                await asyncio.sleep(every)

        self._timer = asyncio.get_running_loop().create_task(loop())

    async def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        await self.drain(timeout=5.0)
        for task in list(self._tasks):
            task.cancel()
        for sender in self._senders():
            if hasattr(sender, "close"):
                await sender.close()

    def _senders(self) -> list[Sender]:
        out: list[Sender] = []
        for sender in self.senders.values():
            out += [s for s in (sender, getattr(sender, "app", None), getattr(sender, "robots", None)) if s]
        return out

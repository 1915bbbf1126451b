"""Running the WeChat / WeCom webhook: the server configured from the environment, with the scheduler's
tick on its timer sending through the same senders (`python bot.py wechat | wecom`)."""
from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

from aiohttp import web

from handlers.adapters.wechat_adapter import ACCESS_LOG, TICK_BUDGET, TICK_BUSY_MS, WeChatServer
from handlers.adapters.wechat_codec import OfficialAccountCodec, WeComCodec
from handlers.adapters.wechat_config import WeChatConfig
from handlers.adapters.wechat_push import build_senders
from handlers.core.types import Context

log = logging.getLogger(__name__)


def build_server(ctx: Context, product: str, config: WeChatConfig | None = None, *,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, **kwargs) -> WeChatServer:
    """The server for "wechat" or "wecom", configured from `ctx.settings.env`, with the scheduler's
    tick on its timer sending through this server's senders (`sleep` lets tests move a fake clock)."""
    from handlers.core.scheduler import Scheduler

    config = config or WeChatConfig.from_env(ctx.settings.env, product)
    # The tick runs on the event loop with ctx's own connection (request workers have theirs, see
    # ContextPool): a lock held elsewhere must not stall the loop — and every request with it — for
    # the store's full busy timeout; the tick fails fast instead and the next one retries.
    ctx.store.set_busy_timeout(TICK_BUSY_MS)
    if product == "wechat":
        codec: OfficialAccountCodec | WeComCodec = OfficialAccountCodec(config.token, config.aes_key, config.app_id)
    else:
        codec = WeComCodec(config.token, config.aes_key, config.app_id)
    senders = build_senders(ctx, config)
    scheduler = Scheduler(ctx, senders, sleep=sleep)
    kwargs.setdefault("tick", lambda: scheduler.tick(budget=TICK_BUDGET))
    return WeChatServer(ctx, codec, senders, robots=tuple(r.name for r in config.robots), **kwargs)


def serve(ctx: Context, product: str, host: str | None = None, port: int | None = None) -> int:
    """Run the webhook until interrupted (listens on 127.0.0.1 unless told otherwise)."""
    config = WeChatConfig.from_env(ctx.settings.env, product)
    server = build_server(ctx, product, config)
    host, port = host or config.host, port or config.port
    log.warning("%s webhook listening on http://%s:%d/%s (push: %s, robots: %s)", product, host, port, product,
                "on" if server.pusher.can_reach(product) else "off", ", ".join(server.robots) or "none")
    web.run_app(server.app(), host=host, port=port, access_log_format=ACCESS_LOG, print=None)
    return 0

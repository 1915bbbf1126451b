"""The WeChat official account and WeCom app webhook server (aiohttp): `python bot.py wechat | wecom`.

One request: verify and decrypt (wechat_codec) → de-duplicate by MsgId → `dispatch` in a worker
thread → one passive reply of at most 2,048 bytes, sealed as the request was. WeChat waits 5 s and
then retries the same MsgId, so the handler gets `deadline` seconds; a slower answer, or a file,
is acknowledged at once and pushed later through the customer-service / app-message API.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from typing import Awaitable, Callable

from aiohttp import web

from handlers import router
from handlers.adapters.context_pool import ContextPool
from handlers.adapters.wechat_codec import Inbound, OfficialAccountCodec, Rejected, WeComCodec
from handlers.adapters.wechat_config import WeChatConfig
from handlers.adapters.wechat_push import Pusher, build_senders
from handlers.adapters.wechat_text import MORE_WORDS, choices_of, fit, pick, render_all
from handlers.help import WELCOME
from handlers.types import Context, Incoming, Reply, Sender

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # WeChat's callbacks are a few KB; anything bigger is not from WeChat
DEADLINE = 4.0  # seconds for the handler, inside WeChat's 5 s including the network
WORKING = "正在生成，完成后会发送给您，请稍候…"
WORKING_NO_PUSH = "处理时间较长，请稍后回复“更多”查看结果。"
NOT_TEXT = "目前只能处理文字消息。请直接输入问题，或发送“帮助”查看命令。"
TICK_EVERY, TICK_BUDGET = 30.0, 20.0  # seconds: the scheduler's timer, and how long one tick may send
ACCESS_LOG = '%a %t "%{User-Agent}i" %s %b %Tf'  # no request line: the query holds users' OpenIDs


class WeChatServer:
    """The webhook for one product; `app()` is the aiohttp application tests and `serve` run."""

    def __init__(self, ctx: Context, codec: OfficialAccountCodec | WeComCodec, senders: dict[str, Sender],
                 *, dispatch: Callable[[Context, Incoming], list[Reply]] = router.dispatch,
                 deadline: float = DEADLINE, workers: int = 4, robots: tuple[str, ...] = (),
                 tick: Callable | None = None, tick_every: float = TICK_EVERY):
        self.ctx, self.codec, self.platform = ctx, codec, codec.platform
        self.dispatch, self.deadline = dispatch, deadline
        self.pusher = Pusher(senders)
        self.robots = robots
        self.tick, self.tick_every = tick, tick_every
        self.pool = ContextPool(ctx, workers, name=f"{self.platform}-worker")
        self._inflight: dict[str, asyncio.Future] = {}

    # -- HTTP -------------------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        for path in ("/", f"/{self.platform}"):
            app.router.add_get(path, self.handle_get)
            app.router.add_post(path, self.handle_post)
        app.on_startup.append(self._startup)
        app.on_cleanup.append(self._cleanup)
        return app

    def now(self) -> float:
        return self.ctx.clock().timestamp()

    async def handle_get(self, request: web.Request) -> web.Response:
        try:
            return web.Response(text=self.codec.handshake(request.query, self.now()))
        except Rejected as err:
            return self._refuse(err)

    async def handle_post(self, request: web.Request) -> web.Response:
        if (request.content_length or 0) > MAX_BODY:
            return self._refuse(Rejected(413, f"body of {request.content_length} bytes"))
        try:
            body = await request.read()
            inbound, encrypted = self.codec.open(request.query, body, self.now())
        except web.HTTPRequestEntityTooLarge:
            return self._refuse(Rejected(413, "body over the cap"))
        except Rejected as err:
            return self._refuse(err)
        text = await self.answer(inbound)
        if not text:
            return web.Response(text="success")  # WeChat's "no reply, do not retry"
        xml = self.codec.seal(inbound.message, text, encrypted, request.query.get("nonce", ""), self.now())
        return web.Response(text=xml, content_type="application/xml")

    def _refuse(self, err: Rejected) -> web.Response:
        log.warning("%s callback refused (%d): %s", self.platform, err.status, err.reason)
        return web.Response(status=err.status, text={403: "forbidden", 413: "too large"}.get(err.status, "bad request"))

    # -- one message, once -----------------------------------------------------------------------
    async def answer(self, inbound: Inbound) -> str:
        """The passive reply text for a callback; a retry (same MsgId) gets the first answer again."""
        msg = inbound.incoming
        if inbound.kind == "ignore" or msg is None:
            return ""
        key, now = msg.event_key or "", self.ctx.now().isoformat(timespec="seconds")
        if not await self.pool.run(lambda c: c.store.claim_event(self.platform, key, now)):
            return await self._cached(key)
        done = self._inflight[key] = asyncio.get_running_loop().create_future()
        text = ""
        try:
            text = await self._first_answer(inbound.kind, msg)
        except Exception:  # the store failed, say; dispatch itself never raises
            log.exception("%s message %s could not be answered", self.platform, key)
            text = "抱歉，处理这条消息时出错了，已记录。请稍后再试。"
        finally:
            done.set_result(text)
            await self.pool.run(lambda c: c.store.save_event_reply(self.platform, key, {"text": text}))
            self._inflight.pop(key, None)
        return text

    async def _cached(self, key: str) -> str:
        """A retry: wait for the first delivery's answer (this process or another), then repeat it."""
        log.info("%s retry of %s answered from the cache", self.platform, key)
        if key in self._inflight:
            try:
                return await asyncio.wait_for(asyncio.shield(self._inflight[key]), self.deadline)
            except asyncio.TimeoutError:
                return ""
        give_up = time.monotonic() + self.deadline
        while True:
            saved = await self.pool.run(lambda c: c.store.event_reply(self.platform, key))
            if saved is not None or time.monotonic() > give_up:
                return (saved or {}).get("text", "")
            await asyncio.sleep(0.05)

    async def _first_answer(self, kind: str, msg: Incoming) -> str:
        if kind == "unsupported":
            return NOT_TEXT
        page = await self.pool.run(lambda c: c.store.pending_page(self.platform, msg.user_id))
        page = page or {"more": "", "choices": []}
        if kind == "subscribe":
            msg = replace(msg, text="城市")  # the welcome offers the region choice
        elif msg.text.strip().lower() in MORE_WORDS and page["more"]:
            head, rest = fit(page["more"])
            await self._save_page(msg.user_id, rest, page["choices"])
            return head
        elif chosen := pick(msg.text, page["choices"]):
            msg = replace(msg, text=chosen)  # "2" picks the second offered choice
        work = self.pool.run(self.dispatch, msg)
        try:
            replies = await asyncio.wait_for(asyncio.shield(work), self.deadline)
        except asyncio.TimeoutError:
            return self._finish_late(msg, work)
        text = await self._passive(msg, replies, page)
        return f"{WELCOME}\n\n{text}\n\n发送“帮助”查看全部命令。" if kind == "subscribe" else text

    async def _passive(self, msg: Incoming, replies: list[Reply], page: dict) -> str:
        """Render the replies for the 5 s answer; files and pushes to other chats go out afterwards."""
        own = [r for r in replies if not r.is_push]
        for r in replies:
            if r.is_push:
                self.pusher.later(r)
        text = render_all(own)
        for r in own:
            if r.attachment is None:
                continue
            if self.pusher.can_reach(self.platform):
                self.pusher.later(Reply("", attachment=r.attachment, platform=self.platform, chat_id=msg.user_id))
                text += f"\n\n（{r.attachment.filename} 正在生成，稍后发送给您。）"
            else:
                text += f"\n\n（未配置主动消息接口，无法发送文件 {r.attachment.filename}。）"
        head, rest = fit(text)
        choices = choices_of(own)
        if rest or choices or page["more"] or page["choices"]:
            await self._save_page(msg.user_id, rest, choices)
        return head

    def _finish_late(self, msg: Incoming, work: asyncio.Future) -> str:
        """Past the deadline: acknowledge now, push (or keep for "更多") when the handler finishes."""
        can_push = self.pusher.can_reach(self.platform)

        def finished(fut: asyncio.Future) -> None:
            if fut.cancelled() or fut.exception() is not None:
                return
            replies = [r if r.is_push else replace(r, platform=self.platform, chat_id=msg.user_id)
                       for r in fut.result()]
            if can_push:
                for r in replies:
                    self.pusher.later(r)
            else:
                mine = render_all([r for r in replies if r.chat_id == msg.user_id])
                self.pusher.track(self._save_page(msg.user_id, mine, choices_of(replies)))

        work.add_done_callback(finished)
        return WORKING if can_push else WORKING_NO_PUSH

    async def _save_page(self, user_id: str, more: str, choices: list) -> None:
        now = self.ctx.now().isoformat(timespec="seconds")
        await self.pool.run(lambda c: c.store.save_pending_page(self.platform, user_id, more, choices, now))

    # -- lifecycle --------------------------------------------------------------------------------
    async def _startup(self, app: web.Application) -> None:
        if self.robots:
            await self.pool.run(subscribe_robots, self.robots)
        if self.tick is not None:
            self.pusher.start_timer(self.tick, self.tick_every)

    async def _cleanup(self, app: web.Application) -> None:
        await self.pusher.close()
        await asyncio.get_running_loop().run_in_executor(None, self.pool.close)


def subscribe_robots(ctx: Context, names: tuple[str, ...]) -> None:
    """A robot's group cannot send "订阅", so configuring the robot subscribes its group (all regions);
    a robot taken out of WECOM_ROBOT_URLS is unsubscribed, so broadcasts stop failing on it."""
    now = ctx.now()
    for name in names:
        if ctx.store.subscription("wecom", f"robot:{name}") is None:
            ctx.store.subscribe("wecom", f"robot:{name}", "group", name, None, "WECOM_ROBOT_URLS", now)
    for sub in ctx.store.subscribers():
        if sub["platform"] == "wecom" and sub["chat_id"].startswith("robot:") and sub["chat_id"][6:] not in names:
            log.warning("robot %s is no longer configured: its group is unsubscribed", sub["chat_id"][6:])
            ctx.store.unsubscribe("wecom", sub["chat_id"])


def build_server(ctx: Context, product: str, config: WeChatConfig | None = None, *,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, **kwargs) -> WeChatServer:
    """The server for "wechat" or "wecom", configured from `ctx.settings.env`, with the scheduler's
    tick on its timer sending through this server's senders (`sleep` lets tests move a fake clock)."""
    from handlers.scheduler import Scheduler

    config = config or WeChatConfig.from_env(ctx.settings.env, product)
    if product == "wechat":
        codec: OfficialAccountCodec | WeComCodec = OfficialAccountCodec(config.token, config.aes_key, config.app_id)
    else:
        codec = WeComCodec(config.token, config.aes_key, config.app_id)
    senders = build_senders(ctx, config)
    # The tick runs on the event loop with ctx's own connection; request workers have theirs (ContextPool).
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

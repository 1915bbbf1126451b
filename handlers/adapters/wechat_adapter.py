"""The WeChat official account and WeCom app webhook server (aiohttp): `python bot.py wechat | wecom`.

One request: verify and decrypt (wechat_codec) → refuse a reused (timestamp, nonce) → de-duplicate by
MsgId → `dispatch` in a worker thread → one passive reply of at most 2,048 bytes, sealed as the
request was. WeChat waits 5 s and then retries the same MsgId, so the request gets `deadline` seconds
in all; a slower answer, or a file, is acknowledged at once and pushed later through the
customer-service / app-message API. The same holds when the database is busy (another process holds
its write lock): the request is acknowledged in time and its writes are retried in the background.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, replace
from typing import Callable, Mapping

from aiohttp import web

from db import is_busy
from handlers.core import router
from handlers.adapters.context_pool import ContextPool
from handlers.adapters.wechat_codec import MAX_SKEW, Inbound, OfficialAccountCodec, Rejected, WeComCodec, replay_key
from handlers.adapters.wechat_push import Pusher
from handlers.adapters.wechat_text import fit, render_all
from handlers.core.small_talk import WELCOME
from handlers.core.types import Context, Incoming, Reply, Sender

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # WeChat's callbacks are a few KB; anything bigger is not from WeChat
DEADLINE = 4.0  # seconds for the handler, inside WeChat's 5 s including the network
WORKING = "正在生成，完成后会发送给您，请稍候…"
WORKING_NO_PUSH = "处理时间较长，请稍后回复“更多”查看结果。"
NOT_TEXT = "目前只能处理文字消息。请直接输入问题，或发送“帮助”查看命令。"
TICK_EVERY, TICK_BUDGET = 30.0, 20.0  # seconds: the scheduler's timer, and how long one tick may send
ACCESS_LOG = '%a %t "%{User-Agent}i" %s %b %Tf'  # no request line: the query holds users' OpenIDs
LOCK_PATIENCE = 120.0  # seconds a background write keeps retrying while another process holds the lock
TICK_BUSY_MS = 500  # the event loop's own connection (the tick) gives up on a held lock quickly


@dataclass
class Request:
    """One callback's timing: the handler must be done by `until` (loop time), leaving the rest of
    the deadline for rendering, sealing and the network."""

    until: float
    acknowledged: bool = False  # "正在生成…" already went out: whatever comes later is pushed


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
        self.mount(app, ("/", f"/{self.platform}"))
        return app

    def mount(self, app: web.Application, paths: tuple[str, ...]) -> None:
        """Serve the webhook at `paths` of `app` (its own, or the web dashboard's: one process, one port)."""
        for path in paths:
            app.router.add_get(path, self.handle_get)
            app.router.add_post(path, self.handle_post)
        app.on_startup.append(self._startup)
        app.on_cleanup.append(self._cleanup)

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
        loop = asyncio.get_running_loop()
        req = Request(until=loop.time() + self.deadline - min(0.5, self.deadline * 0.2))
        job = asyncio.ensure_future(self.receive(inbound, request.query, body, req))
        try:  # the store may be locked by another process: never wait past WeChat's patience
            text = await asyncio.wait_for(asyncio.shield(job), self.deadline)
        except Rejected as err:
            return self._refuse(err)
        except asyncio.TimeoutError:
            text = self._acknowledge(inbound, job, req)
        if not text:
            return web.Response(text="success")  # WeChat's "no reply, do not retry"
        xml = self.codec.seal(inbound.message, text, encrypted, request.query.get("nonce", ""), self.now())
        return web.Response(text=xml, content_type="application/xml")

    def _refuse(self, err: Rejected) -> web.Response:
        log.warning("%s callback refused (%d): %s", self.platform, err.status, err.reason)
        return web.Response(status=err.status, text={403: "forbidden", 413: "too large"}.get(err.status, "bad request"))

    # -- one message, once -----------------------------------------------------------------------
    async def receive(self, inbound: Inbound, query: Mapping[str, str], body: bytes, req: Request) -> str:
        """Refuse a reused (timestamp, nonce) carrying another body, then answer (`Rejected` → 403)."""
        timestamp, nonce, digest = replay_key(query, body)
        oldest = int(self.now()) - MAX_SKEW  # older pairs are refused by the timestamp check anyway
        if not await self._write(lambda c: c.store.replay.remember(self.platform, timestamp, nonce, digest, oldest)):
            raise Rejected(403, "timestamp and nonce reused with another body (a forged or replayed request)")
        return await self.answer(inbound, req)

    async def answer(self, inbound: Inbound, req: Request | None = None) -> str:
        """The passive reply text for a callback; a retry (same MsgId) gets the first answer again."""
        msg = inbound.incoming
        if inbound.kind == "ignore" or msg is None:
            return ""
        req = req or Request(until=asyncio.get_running_loop().time() + self.deadline)
        key, now = msg.event_key or "", self.ctx.now().isoformat(timespec="seconds")
        if not await self._write(lambda c: c.store.events.claim(self.platform, key, now)):
            return await self._cached(key)
        done = self._inflight[key] = asyncio.get_running_loop().create_future()
        text = ""
        try:
            text = await self._first_answer(inbound.kind, msg, req)
        except Exception:  # the store failed, say; dispatch itself never raises
            log.exception("%s message %s could not be answered", self.platform, key)
            text = "抱歉，处理这条消息时出错了，已记录。请稍后再试。"
        finally:
            done.set_result(text)
            self._inflight.pop(key, None)
            # for retries (another process polls it); saved after the answer goes, not before
            self.pusher.track(self._write(lambda c: c.store.events.save_reply(self.platform, key, {"text": text})))
        return text

    async def _write(self, fn: Callable[[Context], object]):
        """A store write in a worker, tried again while another process holds the database's write lock
        (each try waits the store's busy timeout): a busy database delays a message, it never loses it."""
        give_up = time.monotonic() + LOCK_PATIENCE
        while True:
            try:
                return await self.pool.run(fn)
            except Exception as err:
                if not is_busy(err) or time.monotonic() > give_up:
                    raise
                log.warning("%s: the database is busy (%s); trying again", self.platform, err)
                await asyncio.sleep(0.2)

    def _acknowledge(self, inbound: Inbound, job: asyncio.Future, req: Request) -> str:
        """The deadline passed before the answer (the database was busy): say it is coming, then push
        what the job produces — a late dispatch pushes its own replies (`_finish_late`)."""
        req.acknowledged = True
        msg, can_push = inbound.incoming, self.pusher.can_reach(self.platform)

        def finished(fut: asyncio.Future) -> None:
            if fut.cancelled():
                return
            if (err := fut.exception()) is not None:
                log.warning("%s message refused or failed after it was acknowledged: %s", self.platform, err)
                return
            text = fut.result()
            if msg is None or not text or text in (WORKING, WORKING_NO_PUSH):
                return
            if can_push:
                self.pusher.later(Reply(text, platform=self.platform, chat_id=msg.user_id))
            else:
                self.pusher.track(self._save_page(msg, text, []))

        job.add_done_callback(finished)
        if msg is None or inbound.kind == "ignore":
            return ""
        log.warning("%s message %s not answered within %.1f s (busy database?): acknowledged, answer follows",
                    self.platform, msg.event_key, self.deadline)
        return WORKING if can_push else WORKING_NO_PUSH

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
            saved = await self.pool.run(lambda c: c.store.events.reply(self.platform, key))
            if saved is not None or time.monotonic() > give_up:
                return (saved or {}).get("text", "")
            await asyncio.sleep(0.05)

    async def _first_answer(self, kind: str, msg: Incoming, req: Request) -> str:
        if kind == "unsupported":
            return NOT_TEXT
        if kind == "subscribe":
            msg = replace(msg, text=router.OFFER_REGION)  # a new follower: the welcome offers the region choice
        work = self.pool.run(self.dispatch, msg)
        try:
            left = req.until - asyncio.get_running_loop().time()
            if req.acknowledged or left <= 0:
                raise asyncio.TimeoutError
            replies = await asyncio.wait_for(asyncio.shield(work), left)
        except asyncio.TimeoutError:
            return self._finish_late(msg, work)
        text = await self._passive(msg, replies)
        return f"{WELCOME}\n\n{text}\n\n发送“帮助”查看全部命令。" if kind == "subscribe" else text

    async def _passive(self, msg: Incoming, replies: list[Reply]) -> str:
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
        if rest:
            await self._save_page(msg, rest)  # the numbered choices are the router's to remember
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
                self.pusher.track(self._save_page(msg, mine))

        work.add_done_callback(finished)
        return WORKING if can_push else WORKING_NO_PUSH

    async def _save_page(self, msg: Incoming, text: str) -> None:
        """What did not fit (or came too late) goes first in the chat's "更多", before the rest the
        handler itself kept there (an answer's further sentences and citations)."""
        now = self.ctx.now().isoformat(timespec="seconds")

        def save(c: Context) -> None:
            kept = (c.store.pages.get(self.platform, msg.user_id, msg.chat) or {}).get("more", "")
            more = "\n\n".join(x for x in (text, kept) if x) if text else None
            c.store.pages.save(self.platform, msg.user_id, more, None, now, chat_id=msg.chat)

        await self.pool.run(save)

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
        if ctx.store.reminders.subscription("wecom", f"robot:{name}") is None:
            ctx.store.reminders.subscribe("wecom", f"robot:{name}", "group", name, None, "WECOM_ROBOT_URLS", now)
    for sub in ctx.store.reminders.subscribers():
        if sub["platform"] == "wecom" and sub["chat_id"].startswith("robot:") and sub["chat_id"][6:] not in names:
            log.warning("robot %s is no longer configured: its group is unsubscribed", sub["chat_id"][6:])
            ctx.store.reminders.unsubscribe("wecom", sub["chat_id"])

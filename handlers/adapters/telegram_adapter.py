"""The Telegram adapter (python-telegram-bot 22): a thin translator between Updates and the router.

One text handler turns every message into an `Incoming` and feeds `handlers.core.router.dispatch`, so the
Chinese commands (打卡, 问 …) work as well as the ASCII `/aliases` that `set_my_commands` publishes
from the registry. Private chats: any text is a question unless it is a command. Groups: commands,
@mentions of the bot and replies to the bot only. Inline-keyboard presses are dispatched as if the
button's command had been typed. Each update_id is claimed once in the store, so a redelivered
update is a no-op. Running it (polling or webhook, the scheduler tick) lives in telegram_run.py.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import time
from collections.abc import Callable

from telegram import (BotCommand, BotCommandScopeAllChatAdministrators, BotCommandScopeChat, BotCommandScopeDefault,
                      Message, MessageEntity, Update)
from telegram.constants import ChatMemberStatus, ChatType, UpdateType
from telegram.error import BadRequest, TelegramError
from telegram.ext import (AIORateLimiter, Application, ApplicationHandlerStop, CallbackQueryHandler,
                          ContextTypes, Defaults, MessageHandler, TypeHandler, filters)

from handlers.core import router
from handlers.adapters.context_pool import ContextPool
from handlers.adapters.telegram_send import PICK, pick_data, send_reply
from handlers.core.types import ADMIN, GROUP, GROUP_ADMIN, MEMBER, PRIVATE, Context, Incoming, Reply

log = logging.getLogger(__name__)

PLATFORM = "telegram"
APOLOGY = "抱歉，处理这条消息时出错了，已记录。请稍后再试。"
STALE_BUTTON = "这个按钮已失效（之后又给出了新的选项，或它是给别人的）。请点最新消息里的按钮，或直接输入。"
ALLOWED_UPDATES = [UpdateType.MESSAGE, UpdateType.CALLBACK_QUERY]
ADMIN_STATUSES = {ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}


class AdminCache:
    """Each group's admins (getChatAdministrators), kept briefly: one call per group, not per message.

    One list per group rather than getChatMember per user, because every group message needs the
    answer (the check-in roster enrols members who speak, but not admins).
    """

    def __init__(self, ttl: float = 120.0, clock=time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._seen: dict[int, tuple[frozenset[int], float]] = {}

    async def is_admin(self, bot, chat_id: int, user_id: int) -> bool:
        now = self.clock()
        hit = self._seen.get(chat_id)
        if hit is None or hit[1] <= now:
            try:
                members = await bot.get_chat_administrators(chat_id)
            except TelegramError as err:  # not cached: the next message asks again
                log.warning("getChatAdministrators failed for chat %s: %s", chat_id, err)
                return False
            if len(self._seen) > 10_000:
                self._seen = {k: v for k, v in self._seen.items() if v[1] > now}
            hit = self._seen[chat_id] = (frozenset(m.user.id for m in members if m.status in ADMIN_STATUSES),
                                         now + self.ttl)
        return user_id in hit[0]


def to_incoming(message: Message, bot_username: str, bot_id: int, event_key: str | None = None) -> Incoming | None:
    """The neutral message for a Telegram message, or None when there is nothing to hear (no text,
    a channel post, a command for another bot)."""
    text = message.text or ""
    user = message.from_user
    if not text.strip() or user is None or message.chat.type == ChatType.CHANNEL:
        return None
    in_group = message.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
    head = text.strip().split(maxsplit=1)[0]
    if head.startswith("/") and "@" in head and head.split("@", 1)[1].lower() != bot_username.lower():
        return None  # "/help@other_bot": a command for another bot in the same group
    addressed = not in_group
    if in_group and bot_username:
        # Not \b: Chinese characters are word characters too, and "@tuanwu_bot入团要多久" is a mention.
        mention = re.compile(rf"(?<![A-Za-z0-9_.])@{re.escape(bot_username)}(?![A-Za-z0-9_])", re.IGNORECASE)
        if mention.search(text):
            text, addressed = mention.sub(" ", text).strip(), True
    reply_to = message.reply_to_message
    replied = reply_to.from_user if reply_to is not None else None
    if in_group and replied is not None and replied.id == bot_id:
        addressed = True
    # Group chatter (addressed=False) still goes to dispatch: observers learn who is in the group,
    # and dispatch answers it with nothing.
    return Incoming(platform=PLATFORM, user_id=str(user.id), text=text, chat_id=str(message.chat.id),
                    chat_type=GROUP if in_group else PRIVATE, user_name=user.full_name,
                    chat_title=message.chat.title or "", addressed=addressed, event_key=event_key,
                    user_handle=user.username or "", mentions=mentioned(message, bot_username),
                    reply_to_user=str(replied.id) if replied is not None and replied.id != bot_id else "")


def mentioned(message: Message, bot_username: str) -> tuple[str, ...]:
    """The users a message names: an id for a text mention (a user without a username, picked from the
    list), "@username" for a plain @mention (resolved later, from the handles the store has seen)."""
    out = []
    for entity, text in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            out.append(str(entity.user.id))
        elif text.lstrip("@").lower() != bot_username.lower():
            out.append(text)
    return tuple(out)


class TelegramAdapter:
    """Owns the PTB Application: its handlers call the router and send what it returns."""

    def __init__(self, ctx: Context, application: Application):
        self.ctx = ctx  # the event loop's: the scheduler tick uses it
        # Handlers run in a worker thread with its own connection (sqlite-utils savepoints break when
        # two threads share one); one worker, because PTB hands over updates one at a time anyway.
        self.pool = ContextPool(ctx, workers=1, name="telegram-worker")
        self.app = application
        self.admins = AdminCache()
        application.add_handler(TypeHandler(Update, self.claim), group=-1)
        application.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT, self.on_message))
        application.add_handler(CallbackQueryHandler(self.on_callback))
        application.add_error_handler(self.on_error)

    @classmethod
    def build(cls, ctx: Context, token: str, *, base_url: str | None = None, request=None,
              max_retries: int = 3) -> "TelegramAdapter":
        """An adapter on a new Application: rate limited, with retries on 429, times in the org's zone."""
        builder = (Application.builder().token(token)
                   .defaults(Defaults(tzinfo=ctx.settings.tz))
                   .rate_limiter(AIORateLimiter(max_retries=max_retries)))
        if base_url:
            builder = builder.base_url(f"{base_url}/bot{{token}}").base_file_url(f"{base_url}/file/bot{{token}}")
        if request is not None:
            builder = builder.request(request).get_updates_request(request)
        return cls(ctx, builder.build())

    async def publish_commands(self) -> None:
        """The command menu, from the registry, per role: members' for everyone, group admins' in the
        groups they administer, and the full menu in each global admin's private chat."""
        scopes: list[tuple[object, str]] = [(BotCommandScopeDefault(), MEMBER),
                                            (BotCommandScopeAllChatAdministrators(), GROUP_ADMIN)]
        scopes += [(BotCommandScopeChat(int(uid)), ADMIN) for uid in await self.pool.run(telegram_admins)]
        for scope, role in scopes:
            menu = [BotCommand(c.alias, f"{c.name}：{c.help}"[:256]) for c in router.commands(role=role)]
            try:
                await self.app.bot.set_my_commands(menu, scope=scope)
            except BadRequest as err:  # e.g. an admin who never opened a chat with the bot
                log.info("menu for %s not set: %s", getattr(scope, "chat_id", scope.type), err)

    async def claim(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stop a redelivered update (same update_id) before any handler sees it."""
        now = self.ctx.now().isoformat(timespec="seconds")
        # update_ids are per bot (and restart at random after a quiet week): key them by the bot too.
        key = f"{context.bot.id}:{update.update_id}"
        fresh = await self.pool.run(lambda c: c.store.events.claim(PLATFORM, key, now))
        if not fresh:
            log.info("update %s already handled; skipped", update.update_id)
            raise ApplicationHandlerStop

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        bot = context.bot
        msg = to_incoming(message, bot.username, bot.id, str(update.update_id))
        if msg is not None:
            await self.answer(msg, message.message_id if msg.in_group else None)

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer()
        message = query.message
        if message is not None and message.is_accessible:
            try:  # a used keyboard disappears, so a choice cannot be sent twice
                await message.edit_reply_markup(reply_markup=None)
            except BadRequest as err:
                log.info("could not remove keyboard: %s", err)
        chat = message.chat if message is not None else None
        in_group = chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
        msg = Incoming(platform=PLATFORM, user_id=str(query.from_user.id), text=query.data or "",
                       chat_id=str(chat.id if chat else query.from_user.id), chat_type=GROUP if in_group else PRIVATE,
                       user_name=query.from_user.full_name, chat_title=(chat.title or "") if chat else "",
                       event_key=str(update.update_id))
        await self.answer(msg, handle=self.button)

    async def answer(self, msg: Incoming, reply_to: int | None = None,
                     handle: Callable[[Context, Incoming], list[Reply]] | None = None) -> None:
        """Dispatch one message (in the worker: the core is synchronous) and send the replies."""
        if msg.in_group:
            admin = await self.admins.is_admin(self.app.bot, int(msg.chat_id), int(msg.user_id))
            msg = dataclasses.replace(msg, chat_admin=admin)
        for reply in await self.pool.run(handle or self.handle, msg):
            await self.deliver(reply, int(msg.chat_id), reply_to)

    def handle(self, ctx: Context, msg: Incoming) -> list[Reply]:
        """Record who is talking, dispatch, and offer the region buttons on a private first contact."""
        store = ctx.store
        now = ctx.now().isoformat(timespec="seconds")
        known = store.profiles.get(PLATFORM, msg.user_id) is not None
        store.profiles.ensure(PLATFORM, msg.user_id, msg.user_name, now, msg.user_handle)
        if msg.in_group:
            store.profiles.ensure_chat(PLATFORM, msg.chat_id, GROUP, msg.chat_title, now)
        return router.dispatch(ctx, msg) + router.first_contact(ctx, msg, known)

    def button(self, ctx: Context, msg: Incoming) -> list[Reply]:
        """A pressed button: its command dispatched as if typed. A `pick:` button (its command was over
        Telegram's 64 bytes) stands for one of the choices the router keeps for this user and chat."""
        if not msg.text.startswith(PICK):
            return self.handle(ctx, msg)
        command = router.remembered_command(ctx, msg, lambda c: pick_data(c) == msg.text)
        if command is None:
            return [Reply(STALE_BUTTON)]
        return self.handle(ctx, dataclasses.replace(msg, text=command))

    async def deliver(self, reply: Reply, chat_id: int, reply_to: int | None = None) -> None:
        if reply.is_push:
            if reply.platform not in (None, PLATFORM):
                log.info("push for %s not sent by the Telegram adapter", reply.platform)
                return
            await send_reply(self.app.bot, reply.chat_id, reply)
        else:
            await send_reply(self.app.bot, chat_id, reply, reply_to)

    async def close(self) -> None:
        """Close the worker and its connection (after the Application has stopped)."""
        await asyncio.get_running_loop().run_in_executor(None, self.pool.close)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure and apologise in the chat it happened in (if there is one)."""
        log.error("telegram update %s failed", getattr(update, "update_id", "-"), exc_info=context.error)
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is not None:
            try:
                await context.bot.send_message(chat.id, APOLOGY)
            except TelegramError as err:
                log.warning("apology not sent: %s", err)


def telegram_admins(ctx: Context) -> list[str]:
    """The Telegram user ids of the global admins (configured and granted), for their menu."""
    configured = [a.split(":", 1)[1] for a in ctx.settings.admins if a.startswith(f"{PLATFORM}:")]
    granted = [r["platform_user_id"] for r in ctx.store.profiles.granted_admins() if r["platform"] == PLATFORM]
    return [uid for uid in dict.fromkeys(configured + granted) if uid.lstrip("-").isdigit()]

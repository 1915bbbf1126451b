"""The command registry and dispatch: one place to add a command, read by help, menus and tests.

A feature module registers its handlers with `@command("通知", "broadcast", roles=(ADMIN,))`; the first
line of the handler's docstring is its help text, and the indented lines after it are its examples
(`帮助 通知` shows them). `roles` says who may use the command at all: MEMBER
(everyone), GROUP_ADMIN (an admin of the group chat it is sent in: powers over that chat only) and
ADMIN (a global admin: TUANWU_ADMINS, granted with 管理员 添加, or the console operator). A command open
to everyone may still check a sub-action inside (“截止 添加”), with `refusal` for the answer.
A command word is followed by a space, a colon or a comma (打卡：…), or glued to arguments that look
like its own (`glued=`, see handlers/core/arguments.py: 打卡组织青年大学习, 请假明天, 问答12). A message that is
none of these but starts with a near miss of a command word (打咔 …, 截至 添加 …) gets a suggestion
(handlers/core/near_miss.py). `dispatch` turns one `Incoming` into replies and is the single error guard: a
failing handler is logged and answered with a short apology.
"""
from __future__ import annotations

import inspect
import logging
import re
import textwrap
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

from handlers.core.types import ADMIN, GROUP_ADMIN, MEMBER, Choice, Context, Incoming, Reply  # noqa: F401 (re-exported)

if TYPE_CHECKING:
    from handlers.core.arguments import Rule

log = logging.getLogger(__name__)

EVERYONE = (MEMBER, GROUP_ADMIN, ADMIN)
CHAT_ADMINS = (GROUP_ADMIN, ADMIN)

Handler = Callable[[Context, Incoming, str], "Reply | str | Iterable[Reply] | None"]

ASCII_ALIAS = re.compile(r"[a-z0-9_]{1,32}")
# Telegram's own limit on a message; longer text (a paste gone wrong) is refused before any parsing, which
# also keeps every number a handler converts under Python's 4,300-digit int() limit.
MAX_MESSAGE = 4096
# What may follow a command word: white space, a colon, a comma (打卡：…, 打卡，…) — or nothing when
# the command's `glued` rule says the rest reads as its arguments ("通知文号是多少" is a question).
_SEPARATOR = re.compile(r"[\s:：，,、]+")
# An example line in a docstring: the example, then (after two spaces or more) what it does.
_EXAMPLE = re.compile(r"^(\S.*?)(?:\s{2,}(.*))?$")


@dataclass(frozen=True)
class Command:
    name: str  # the Chinese alias users type
    alias: str  # the ASCII alias (Telegram CommandHandler accepts only [a-z0-9_]{1,32})
    handler: Handler
    roles: tuple[str, ...]
    hidden: bool = False  # reachable (buttons send it) but not listed in help or menus
    extra: tuple[str, ...] = ()  # further aliases
    glued: "Rule | None" = None  # what arguments glued to the word look like (None: a space is needed)

    @property
    def help(self) -> str:
        doc = (self.handler.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else ""

    @property
    def examples(self) -> list[tuple[str, str]]:
        """(example, what it does) from the indented lines after the docstring's first line."""
        doc = inspect.getdoc(self.handler) or ""
        body = textwrap.dedent("\n".join(doc.splitlines()[1:]))
        return [(m[1].strip(), (m[2] or "").strip()) for line in body.splitlines()
                if line.strip() and (m := _EXAMPLE.match(line.strip()))]

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, self.alias, *self.extra)

    def allows(self, role: str) -> bool:
        return role in self.roles


REGISTRY: dict[str, Command] = {}  # every alias -> its command
_ORDER: list[Command] = []
OBSERVERS: list[Callable[[Context, Incoming], None]] = []  # see every message, addressed or not


def observe(fn: Callable[[Context, Incoming], None]) -> Callable[[Context, Incoming], None]:
    """Register a function that sees every incoming message (e.g. to learn a group's roster)."""
    OBSERVERS.append(fn)
    return fn


def command(name: str, alias: str, *, roles: tuple[str, ...] = EVERYONE, hidden: bool = False,
            extra: tuple[str, ...] = (), glued: "Rule | None" = None) -> Callable[[Handler], Handler]:
    """Register a handler under a Chinese name and an ASCII alias; `glued` says what arguments typed
    straight after the word (no space) look like."""
    if not ASCII_ALIAS.fullmatch(alias):
        raise ValueError(f"ASCII alias {alias!r} must match [a-z0-9_]{{1,32}}")
    if not roles or set(roles) - set(EVERYONE):
        raise ValueError(f"roles {roles!r} must be taken from {EVERYONE}")

    def register(fn: Handler) -> Handler:
        cmd = Command(name, alias, fn, roles, hidden, extra, glued)
        for key in cmd.names:
            if key.lower() in REGISTRY and REGISTRY[key.lower()].handler is not fn:
                raise ValueError(f"command alias {key!r} registered twice")
            REGISTRY[key.lower()] = cmd
        _ORDER.append(cmd)
        return fn

    return register


def commands(include_hidden: bool = False, role: str | None = None) -> list[Command]:
    """Registered commands in registration order (help text and menus read this); with `role`, only
    those that role may use."""
    load_features()
    return [c for c in _ORDER if (include_hidden or not c.hidden) and (role is None or c.allows(role))]


def refusal(msg: Incoming, what: str, need: str = ADMIN) -> str:
    """The answer when `msg`'s sender may not do `what`: who can, and how to become one."""
    if need == ADMIN:
        return (f"{what}只有管理员可以操作（管理员由 TUANWU_ADMINS 配置，或由管理员发送“管理员 添加”授权；"
                f"群管理员只能管理自己的群）。您的 ID：{msg.platform}:{msg.user_id}，可以发给管理员。")
    return f"{what}只有本群的群管理员或管理员可以操作。"


# The feature modules, listed explicitly (one line per feature) so nothing registers by accident.
FEATURES: tuple[str, ...] = (
    "handlers.help",
    "handlers.profile",
    "handlers.ask",
    "handlers.faq",
    "handlers.checkin",
    "handlers.reminders",
    "handlers.admins",
    "handlers.retention",
    "handlers.dashboard.signin",
)

_loaded = False


def load_features() -> None:
    global _loaded
    if not _loaded:
        import importlib

        for module in FEATURES:
            importlib.import_module(module)
        _loaded = True


def parse(text: str, ctx: Context | None = None, msg: Incoming | None = None) -> tuple[Command | None, str]:
    """Split a message into (command, arguments); (None, text) when it is not a command. With `ctx` and
    `msg`, a command word glued to its arguments counts too (for commands the sender may use)."""
    load_features()
    stripped = text.strip()
    slash = stripped.startswith(("/", "／"))
    body = stripped[1:] if slash else stripped
    m = _SEPARATOR.search(body)
    head, rest = (body[: m.start()], body[m.end():]) if m else (body, "")
    cmd = REGISTRY.get(head.lower().split("@", 1)[0])  # Telegram appends @botname in groups
    if cmd is not None:
        return cmd, cmd.glued.tidy(rest.strip()) if cmd.glued else rest.strip()
    for word, cmd in glued_words(body):
        after = body[len(word):]
        if slash:  # "/打卡内容": a slash says it is a command
            return cmd, after.strip()
        if ctx is not None and (args := _glued_args(ctx, msg, cmd, word, after)) is not None:
            return cmd, args
    return None, stripped


def glued_words(body: str) -> list[tuple[str, Command]]:
    """The Chinese command words `body` starts with and continues after, longest first."""
    low = body.lower()
    return [(word, REGISTRY[word]) for word in _chinese_aliases()
            if low.startswith(word) and len(body) > len(word)]


def _chinese_aliases() -> list[str]:
    return sorted((w for w in REGISTRY if not w.isascii()), key=len, reverse=True)


def _glued_args(ctx: Context, msg: Incoming | None, cmd: Command, word: str, after: str) -> str | None:
    """The arguments when `after` reads as `cmd`'s own, for a sender who may use it; else None."""
    if cmd.glued is None or cmd.hidden:
        return None
    if msg is not None:
        if not msg.addressed and not cmd.glued.in_chatter:
            return None  # group chatter: only what members do in their group (打卡, 请假) counts glued
        if cmd.roles != EVERYONE and not cmd.allows(ctx.role(msg)):
            return None
    return cmd.glued(ctx, word, after)


def dispatch(ctx: Context, msg: Incoming) -> list[Reply]:
    """Route one message to its handler and return the replies (never raises). A bare number picks from
    the choices last offered in this chat, on every platform: they are kept in the store, so another
    worker or a restarted console knows them too."""
    try:
        msg, had_choices = _pick_remembered(ctx, msg)
        replies = _route(ctx, msg)
        _remember_offered(ctx, msg, replies, had_choices)
        return replies
    except Exception:
        log.exception("handler failed for %s message from %s", msg.platform, msg.user_id)
        return [Reply("抱歉，处理这条消息时出错了，已记录。请稍后再试，或换个说法。")]


def _route(ctx: Context, msg: Incoming) -> list[Reply]:
    if len(msg.text) > MAX_MESSAGE:
        return [Reply(f"消息太长了（{len(msg.text)} 字），请控制在 {MAX_MESSAGE} 字以内，或分几条发送。")]
    cmd, args = parse(msg.text, ctx, msg)
    for observer in OBSERVERS:
        observer(ctx, msg)
    if cmd is None:
        if not msg.addressed:
            return []  # group chatter that is not for the bot
        from handlers.core import small_talk
        from handlers.core.near_miss import suggestion  # it reads this registry

        if (said := small_talk.reply(ctx, msg)) is not None:
            return said
        if (offer := suggestion(ctx, msg)) is not None:
            return [offer]
        cmd, args = REGISTRY["ask"], msg.text.strip()
    if cmd.roles != EVERYONE and not cmd.allows(role := ctx.role(msg)):
        need = ADMIN if GROUP_ADMIN not in cmd.roles else GROUP_ADMIN
        log.info("%s:%s (%s) refused %s", msg.platform, msg.user_id, role, cmd.alias)
        return [Reply(refusal(msg, f"“{cmd.name}”", need))]
    return _as_replies(cmd.handler(ctx, msg, args))


# ------------------------------------------------------------ the same on every platform

OFFER_REGION = "城市"  # 城市 without an argument: the region choice


def first_contact(ctx: Context, msg: Incoming, known: bool) -> list[Reply]:
    """What a private chat's first message gets after its own replies: the region choice, when the asker
    has no region yet, so the next answers lead with their own city's rules (`known`: the adapter had
    already seen this user before this message)."""
    if known or msg.in_group or ctx.store.profiles.region(msg.platform, msg.user_id):
        return []
    return dispatch(ctx, replace(msg, text=OFFER_REGION))


def offered(replies: Iterable[Reply]) -> tuple[Choice, ...]:
    """The choices a bare number picks from after these replies: those of the last reply that offers any.
    None when no reply does — a bare "1" is then the answer's "更多：回复 1"."""
    return next((r.choices for r in reversed(list(replies)) if r.choices), ())


def picked(text: str, choices: Sequence[Choice]) -> str | None:
    """The command of choice N when the user answers with just the number N, else None."""
    stripped = text.strip()
    if stripped.isdecimal() and 1 <= int(stripped) <= len(choices):
        return choices[int(stripped) - 1].command
    return None


def _pick_remembered(ctx: Context, msg: Incoming) -> tuple[Incoming, bool]:
    """The message with a bare number replaced by the command it picks; and whether choices were waiting.
    Only a bare number reads the store: every other message costs nothing here."""
    if not (msg.addressed and msg.text.strip().isdecimal()):
        return msg, False
    page = ctx.store.pages.get(msg.platform, msg.user_id, msg.chat)
    choices = [Choice(label, command) for label, command in (page["choices"] if page else [])]
    chosen = picked(msg.text, choices)
    return (replace(msg, text=chosen) if chosen else msg), bool(choices)


def _remember_offered(ctx: Context, msg: Incoming, replies: list[Reply], had_choices: bool) -> None:
    """Keep the choices these replies offer for the next bare number; a pick's own choices replace (or
    clear) the ones it was picked from. An answer clears them too (handlers/ask.py): its "1" is 更多."""
    choices = offered(r for r in replies if not r.is_push)
    if choices or had_choices:
        ctx.store.pages.save(msg.platform, msg.user_id, more=None, choices=[(c.label, c.command) for c in choices],
                             now=ctx.now().isoformat(timespec="seconds"), chat_id=msg.chat)


def remembered_command(ctx: Context, msg: Incoming, test: Callable[[str], bool]) -> str | None:
    """The command among the choices last offered in this chat that passes `test` (a platform's button
    that could not carry its command: Telegram's 64 bytes), or None when they were replaced since."""
    page = ctx.store.pages.get(msg.platform, msg.user_id, msg.chat)
    return next((command for _, command in (page["choices"] if page else []) if test(command)), None)


def _as_replies(result: "Reply | str | Iterable[Reply] | None") -> list[Reply]:
    if result is None:
        return []
    if isinstance(result, str):
        return [Reply(result)]
    if isinstance(result, Reply):
        return [result]
    return list(result)

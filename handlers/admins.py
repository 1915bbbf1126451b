"""管理员: who the global admins are, granting and revoking the role, and the audit of both.

A global admin is listed in TUANWU_ADMINS (changed only by editing the environment), granted here by
another global admin, or the console operator (the person at the terminal owns the database). Every
grant and revocation is written to the audit with who did it, to whom and when.

    管理员                              the admins, and where each one's role comes from
    管理员 添加 telegram:12345          also: a bare id (same platform as the sender), @username, or
                                        sent as a reply to the person's message
    管理员 删除 telegram:12345
    管理员 记录                          the latest grants and revocations
"""
from __future__ import annotations

import datetime as dt
import re

from handlers.core.arguments import SubCommand
from handlers.core.dates import stamp
from handlers.core.router import ADMIN, command
from handlers.core.types import CONSOLE_OPERATOR, Context, Incoming, is_operator

ADD, REMOVE, LOG = ("添加", "授权", "add", "grant"), ("删除", "撤销", "remove", "revoke", "del"), \
    ("记录", "日志", "log", "audit")
PLATFORMS = ("telegram", "wechat", "wecom", "console")
USER_ID = re.compile(r"[A-Za-z0-9_@.\-]{1,64}")
USAGE = ("用法：管理员 添加 <平台:用户ID>（如 telegram:12345、wechat:oAbC…），或回复那个人的消息发送“管理员 添加”，"
         "或“管理员 添加 @用户名”；管理员 删除 …；管理员 记录。")


@command("管理员", "admins", roles=(ADMIN,), glued=SubCommand(*ADD, *REMOVE, *LOG))
def admins(ctx: Context, msg: Incoming, args: str) -> str:
    """查看管理员；管理员 添加/删除 <平台:用户ID 或 回复/@那个人>；管理员 记录 查看授权记录。

    管理员                                    管理员名单，和各自的来历
    管理员 添加 telegram:12345                 授权（也可以回复那个人的消息发送“管理员 添加”，或 @用户名）
    管理员 删除 telegram:12345                 撤销授权
    管理员 记录                                授权和撤销的记录
    """
    verb, _, rest = args.strip().partition(" ")
    verb = verb.lower()
    if not verb:
        return listing(ctx, msg)
    if verb in LOG:
        return audit(ctx)
    if verb not in ADD + REMOVE:
        return f"不认识“{verb[:10]}”。{USAGE}"
    target = resolve(ctx, msg, rest.strip())
    if isinstance(target, str):
        return target
    platform, user_id = target
    key, now = f"{platform}:{user_id}", ctx.now().astimezone(dt.timezone.utc).isoformat(timespec="seconds")
    actor = f"{msg.platform}:{msg.user_id}"
    if verb in ADD:
        if key in ctx.settings.admins or is_operator(platform, user_id):
            return f"{_who(ctx, platform, user_id)}已经是管理员（{_source(ctx, platform, user_id)}）。"
        if not ctx.store.profiles.grant_admin(platform, user_id, actor, msg.user_name, now):
            return f"{_who(ctx, platform, user_id)}已经是管理员。"
        return f"已授权 {_who(ctx, platform, user_id)} 为管理员（已记入授权记录）。对方下次发消息时即生效。"
    if key in ctx.settings.admins:
        return (f"{_who(ctx, platform, user_id)}是在环境变量 TUANWU_ADMINS 中配置的管理员，不能用命令删除；"
                "请修改 TUANWU_ADMINS 后重启。")
    if is_operator(platform, user_id):
        return "终端操作员（本机数据库的所有者）始终是管理员，不能删除。"
    if key == actor:
        return "不能删除自己的管理员身份，请让另一位管理员操作。"
    if not ctx.store.profiles.revoke_admin(platform, user_id, actor, msg.user_name, now):
        return f"{_who(ctx, platform, user_id)}不是通过“管理员 添加”授权的管理员，无需删除。"
    return f"已撤销 {_who(ctx, platform, user_id)} 的管理员身份（已记入授权记录）。"


def resolve(ctx: Context, msg: Incoming, text: str) -> tuple[str, str] | str:
    """(platform, user id) of the person named by `text`, a mention, or the replied-to message; else why not."""
    if not text:
        if msg.reply_to_user:
            return msg.platform, msg.reply_to_user
        ids = [m for m in msg.mentions if not m.startswith("@")]
        if ids:
            return msg.platform, ids[0]
        return f"请写明要授权或撤销的人。{USAGE}"
    text = text.split()[0]
    if text.startswith("@"):
        found = next((m for m in msg.mentions if not m.startswith("@")), None)
        if found:
            return msg.platform, found
        who = ctx.store.profiles.by_handle(msg.platform, text)
        if who is None:
            return (f"我还不认识 {text[:40]}：请让他先给我发一条消息，或回复他的一条消息发送“管理员 添加”，"
                    f"或写 {msg.platform}:用户ID。")
        return who["platform"], who["platform_user_id"]
    platform, sep, user_id = text.partition(":")
    if not sep:
        platform, user_id = msg.platform, text
    platform = platform.lower()
    if platform not in PLATFORMS:
        return f"不认识平台“{platform[:12]}”，可写：{'、'.join(PLATFORMS)}。{USAGE}"
    if not USER_ID.fullmatch(user_id):
        return f"用户ID“{user_id[:20]}”格式不对：应为 1–64 个字母、数字或 _ - . @。"
    return platform, user_id


def listing(ctx: Context, msg: Incoming) -> str:
    lines = ["管理员（可使用全部命令）："]
    for entry in ctx.settings.admins:
        platform, _, user_id = entry.partition(":")
        lines.append(f"  {_who(ctx, platform, user_id)} — 环境变量 TUANWU_ADMINS（不能用命令删除）")
    for r in ctx.store.profiles.granted_admins():
        if f"{r['platform']}:{r['platform_user_id']}" in ctx.settings.admins:
            continue
        lines.append(f"  {_who(ctx, r['platform'], r['platform_user_id'])} — "
                     + (f"{stamp(r['granted_at'], ctx.settings.tz)} 由 {r['granted_by']} 授权" if r["granted_at"] else "已授权"))
    lines.append(f"  console:{CONSOLE_OPERATOR} — 终端操作员（本机数据库的所有者）")
    lines += ["", "群管理员（平台上的群主/群管理员）只能管理自己的群：订阅、打卡名单、今日/周报/导出、本群的截止事项。",
              f"您的 ID：{msg.platform}:{msg.user_id}。", USAGE]
    return "\n".join(lines)


def audit(ctx: Context) -> str:
    rows = ctx.store.profiles.admin_audit(20)
    if not rows:
        return "还没有授权或撤销管理员的记录。"
    lines = ["管理员授权记录（最近 20 条，新的在前）："]
    for r in rows:
        action = "授权" if r["action"] == "grant" else "撤销"
        actor = r["actor"] + (f"（{r['actor_name']}）" if r["actor_name"] else "")
        target = r["target"] + (f"（{r['target_name']}）" if r["target_name"] else "")
        lines.append(f"  {stamp(r['at'], ctx.settings.tz)} {actor} {action} {target}")
    return "\n".join(lines)


def _who(ctx: Context, platform: str, user_id: str) -> str:
    profile = ctx.store.profiles.get(platform, user_id)
    name = (profile or {}).get("name")
    return f"{platform}:{user_id}" + (f"（{name}）" if name and name != user_id else "")


def _source(ctx: Context, platform: str, user_id: str) -> str:
    if f"{platform}:{user_id}" in ctx.settings.admins:
        return "在 TUANWU_ADMINS 中配置"
    return "终端操作员"

"""帮助: the command list, read from the registry (so it can never drift from the code)."""
from __future__ import annotations

from handlers.router import ADMIN, MEMBER, command, commands
from handlers.types import Context, Incoming

WELCOME = "您好！我是团务助手，可以回答工作要点和通知里的问题（附出处），也能记录每日打卡、提醒截止时间。"


@command("帮助", "help", extra=("start", "菜单"))
def help_(ctx: Context, msg: Incoming, args: str) -> str:
    """查看我能做什么，以及每条命令的用法。"""
    admin = ctx.is_admin(msg)
    lines = [WELCOME, "", "直接发送问题即可提问，例如：入团前需要参加多少学时的团课？", "", "命令（中文或英文均可，前面加不加 / 都行）："]
    for cmd in commands():
        if MEMBER not in cmd.roles and ADMIN in cmd.roles and not admin:
            continue
        tag = "（管理员）" if MEMBER not in cmd.roles else ""
        lines.append(f"  {cmd.name} / {cmd.alias} — {cmd.help}{tag}")
    return "\n".join(lines)

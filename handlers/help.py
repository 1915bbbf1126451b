"""帮助: the command list, read from the registry (so it can never drift from the code)."""
from __future__ import annotations

from handlers.router import EVERYONE, command, commands
from handlers.types import ADMIN, GROUP_ADMIN, ROLE_NAMES, Context, Incoming

WELCOME = "您好！我是团务助手，可以回答工作要点和通知里的问题（附出处），也能记录每日打卡、提醒截止时间。"
SCOPE = {
    ADMIN: "您是管理员：可以使用全部命令。",
    GROUP_ADMIN: "您是本群的群管理员：可以管理本群的订阅、打卡名单、今日/周报/导出和本群的截止事项。",
}


@command("帮助", "help", extra=("start", "菜单"))
def help_(ctx: Context, msg: Incoming, args: str) -> str:
    """查看我能做什么，以及每条命令的用法。"""
    role = ctx.role(msg)
    lines = [WELCOME, "", "直接发送问题即可提问，例如：入团前需要参加多少学时的团课？", "",
             "命令（中文或英文均可，前面加不加 / 都行）："]
    for cmd in commands(role=role):
        tag = "" if cmd.roles == EVERYONE else f"（{ROLE_NAMES[min(cmd.roles, key=_rank)]}）"
        lines.append(f"  {cmd.name} / {cmd.alias} — {cmd.help}{tag}")
    if role in SCOPE:
        lines += ["", SCOPE[role]]
    return "\n".join(lines)


def _rank(role: str) -> int:
    """The least powerful role a command admits names who may use it."""
    return EVERYONE.index(role)

"""帮助: the command list, or one command's help with its examples — all read from the registry and the
handlers' docstrings (so help can never drift from the code)."""
from __future__ import annotations

from handlers.core.arguments import command_name
from handlers.core.echo import clip
from handlers.core.near_miss import closest
from handlers.core.router import EVERYONE, REGISTRY, Command, command, commands
from handlers.core.small_talk import WELCOME
from handlers.core.types import ADMIN, GROUP_ADMIN, ROLE_NAMES, Choice, Context, Incoming, Reply

SCOPE = {
    ADMIN: "您是管理员：可以使用全部命令。",
    GROUP_ADMIN: "您是本群的群管理员：可以管理本群的订阅、打卡名单、今日/周报/导出和本群的截止事项。",
}


@command("帮助", "help", extra=("start", "菜单"), glued=command_name())
def help_(ctx: Context, msg: Incoming, args: str) -> Reply:
    """查看我能做什么，以及每条命令的用法；“帮助 打卡”只看这条命令的用法和例子。

    帮助                                      全部命令
    帮助 打卡                                 打卡的用法和例子（帮助 checkin、帮助打卡 也行）
    """
    role = ctx.role(msg)
    wanted = args.strip().lstrip("/／")
    if wanted:
        cmd = REGISTRY.get(wanted.lower())
        if cmd is not None and not cmd.hidden:
            return Reply(command_help(cmd, role))
        return unknown(wanted, role)
    lines = [WELCOME, "", "直接发送问题即可提问，例如：入团前需要参加多少学时的团课？", "",
             "命令（中文或英文均可，前面加不加 / 都行；“帮助 命令”看用法和例子）："]
    for cmd in commands(role=role):
        lines.append(f"  {cmd.name} / {cmd.alias} — {cmd.help}{_who(cmd)}")
    if role in SCOPE:
        lines += ["", SCOPE[role]]
    return Reply("\n".join(lines))


def command_help(cmd: Command, role: str) -> str:
    """One command: what it does, its other names, its examples, and who may use it."""
    names = " / ".join(dict.fromkeys((cmd.name, cmd.alias, *cmd.extra)))
    lines = [f"{names}{_who(cmd)}", cmd.help]
    if cmd.examples:
        lines += ["", "例子："]
        lines += [f"  {example}" + (f"  ← {note}" if note else "") for example, note in cmd.examples]
    if not cmd.allows(role):
        lines += ["", f"这条命令只有{ROLE_NAMES[min(cmd.roles, key=_rank)]}可以使用。"]
    return "\n".join(lines)


def unknown(wanted: str, role: str) -> Reply:
    """帮助 <not a command>: the near miss it may be, then the list of commands."""
    near = closest(wanted, role)
    listed = "、".join(c.name for c in commands(role=role))
    if near is not None:
        return Reply(f"没有“{clip(wanted, 10)}”这个命令。您是不是想查“{near.name}”？\n可用的命令：{listed}",
                     choices=(Choice(f"帮助 {near.name}", f"帮助 {near.name}"),))
    return Reply(f"没有“{clip(wanted, 10)}”这个命令。可用的命令：{listed}。发送“帮助 命令”查看用法，例如：帮助 打卡")


def _who(cmd: Command) -> str:
    return "" if cmd.roles == EVERYONE else f"（{ROLE_NAMES[min(cmd.roles, key=_rank)]}）"


def _rank(role: str) -> int:
    """The least powerful role a command admits names who may use it."""
    return EVERYONE.index(role)

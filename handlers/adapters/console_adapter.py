"""The terminal chat: the embedded default that needs no token and no server.

Interactive when stdin is a terminal (prompt, greeting, numbered choices); otherwise every input line
is one message and the replies are printed, so the console can be scripted and tested.
"""
from __future__ import annotations

import sys
from typing import Callable, TextIO

from handlers.router import dispatch
from handlers.types import Context, Incoming, Reply, SendResult, Sender

PLATFORM = "console"
BANNER = "团务助手（终端）— 直接输入问题，输入“帮助”查看命令，Ctrl-D 或“退出”结束。"
QUIT = {"退出", "exit", "quit", "q"}


class ConsoleChat:
    def __init__(self, ctx: Context, user: str = "console", out: TextIO = sys.stdout):
        self.ctx = ctx
        self.user = user
        self.out = out
        self.choices: tuple = ()
        self.after: Callable[[], object] | None = None  # run after each message: the scheduler's tick

    def handle(self, line: str) -> list[Reply]:
        text = line.strip()
        if text.isdecimal() and self.choices and 1 <= int(text) <= len(self.choices):
            text = self.choices[int(text) - 1].command  # "2" picks the second offered choice
        msg = Incoming(platform=PLATFORM, user_id=self.user, text=text, user_name=self.user)
        replies = dispatch(self.ctx, msg)
        for reply in replies:
            if reply.choices:
                self.choices = reply.choices
        return replies

    def show(self, reply: Reply) -> None:
        write_reply(reply, self.out)

    def run(self, stdin: TextIO = sys.stdin) -> int:
        interactive = stdin.isatty()
        if interactive:
            self.out.write(BANNER + "\n")
        while True:
            if interactive:
                self.out.write("\n> ")
                self.out.flush()
            line = stdin.readline()
            if not line:
                break
            if not line.strip():
                continue
            if line.strip().lower() in QUIT and interactive:
                break
            for reply in self.handle(line):
                self.show(reply)
            if self.after:
                self.after()
            if not interactive:
                self.out.write("\n")
        return 0


def write_reply(reply: Reply, out: TextIO) -> None:
    if reply.is_push:
        out.write(f"[推送 → {reply.chat_id}] ")
    out.write(reply.text.rstrip() + "\n")
    for n, choice in enumerate(reply.choices, 1):
        out.write(f"  [{n}] {choice.label}\n")
    if reply.attachment:
        out.write(f"  （附件：{reply.attachment.filename}，{len(reply.attachment.data)} 字节）\n")
    out.flush()


class ConsoleSender(Sender):
    """The console's outbound side for the scheduler: a push is printed as `[推送 → chat] …`."""

    platform = PLATFORM

    def __init__(self, out: TextIO = sys.stdout):
        self.out = out

    async def send(self, reply: Reply) -> SendResult:
        write_reply(reply, self.out)
        return SendResult("sent")

"""The terminal chat: the embedded default that needs no token and no server.

Interactive when stdin is a terminal (prompt, greeting, numbered choices); otherwise every input line
is one message and the replies are printed, so the console can be scripted and tested. Input is read
as bytes and decoded a line at a time, so a line that is not valid in the terminal's encoding is
answered with a message and skipped — the lines before and after it are unaffected.
"""
from __future__ import annotations

import sys
from typing import Callable, Iterator, TextIO

from handlers.router import dispatch
from handlers.types import Context, Incoming, Reply, SendResult, Sender

PLATFORM = "console"
BANNER = "团务助手（终端）— 直接输入问题，输入“帮助”查看命令，Ctrl-D 或“退出”结束。"
QUIT = {"退出", "exit", "quit", "q"}


class UndecodableLine(str):
    """A line whose bytes are not valid in the input's encoding (the text says which line and why)."""


def input_lines(stream: TextIO) -> Iterator[str]:
    """Each line of `stream`, decoded on its own (strictly, in the stream's encoding); a line that does not
    decode is yielded as an `UndecodableLine` describing the problem, and reading goes on."""
    raw = getattr(stream, "buffer", None)
    if raw is None:  # already text (a StringIO in tests)
        yield from iter(stream.readline, "")
        return
    encoding = getattr(stream, "encoding", None) or "utf-8"
    for number, line in enumerate(iter(raw.readline, b""), 1):
        try:
            text = line.decode(encoding)
        except UnicodeDecodeError as err:
            yield UndecodableLine(f"第 {number} 行含有无法识别的字节（{line[err.start:err.start + 4].hex(' ')}），"
                                  f"不是有效的 {encoding.upper()} 文字，已跳过这一行。请检查输入的编码后重新输入。")
            continue
        yield text.removeprefix("\ufeff") if number == 1 else text  # a byte-order mark is not text


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
        # A number picks from the choices of the last reply only: after an answer without choices,
        # "1" is its "更多：回复 1".
        self.choices = next((r.choices for r in reversed(replies) if r.choices and not r.is_push), ())
        return replies

    def show(self, reply: Reply) -> None:
        write_reply(reply, self.out)

    def run(self, stdin: TextIO | None = None) -> int:
        stdin = stdin or sys.stdin  # read when called, not bound at import (tests swap sys.stdin)
        interactive = stdin.isatty()
        if interactive:
            self.out.write(BANNER + "\n")
        lines = input_lines(stdin)
        while True:
            if interactive:
                self.out.write("\n> ")
                self.out.flush()
            line = next(lines, "")
            if not line:
                break
            if not line.strip():
                continue
            if line.strip().lower() in QUIT and interactive:
                break
            replies = [Reply(line)] if isinstance(line, UndecodableLine) else self.handle(line)
            for reply in replies:
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

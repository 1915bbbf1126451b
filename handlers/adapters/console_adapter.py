"""The terminal chat: the embedded default that needs no token and no server.

Interactive when stdin is a terminal (prompt, greeting, numbered choices); otherwise every input line
is one message and the replies are printed, so the console can be scripted and tested. Input is read
as bytes and decoded a line at a time, so a line that is not valid in the terminal's encoding is
answered with a message and skipped — the lines before and after it are unaffected.

Charts and exports are saved to a folder (TUANWU_OUT_DIR, default ./out) and the reply names the file,
so `周报` and `导出` give something to open. A file is never overwritten: a second chart of the same
day is saved as checkin-7d-20261129-2.png.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Callable, Iterator, TextIO

from handlers.core import router
from handlers.core.types import Attachment, Context, Incoming, Reply, SendResult, Sender

log = logging.getLogger(__name__)

PLATFORM = "console"
OUT_DIR = "out"
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


def out_dir(ctx: Context) -> Path:
    """Where the console saves attachments: TUANWU_OUT_DIR, else ./out."""
    return Path((ctx.settings.env or {}).get("TUANWU_OUT_DIR") or OUT_DIR)


class ConsoleChat:
    def __init__(self, ctx: Context, user: str = "console", out: TextIO = sys.stdout, folder: Path | None = None):
        self.ctx = ctx
        self.user = user
        self.out = out
        self.folder = folder or out_dir(ctx)
        self.known = False  # the user has an identity row
        self.after: Callable[[], object] | None = None  # run after each message: the scheduler's tick

    def handle(self, line: str) -> list[Reply]:
        if not self.known:  # like any platform's first contact: the operator then gets the admins' notices
            if self.ctx.store.profiles.get(PLATFORM, self.user) is None:
                now = self.ctx.now().isoformat(timespec="seconds")
                self.ctx.store.profiles.ensure(PLATFORM, self.user, self.user, now)
            self.known = True
        msg = Incoming(platform=PLATFORM, user_id=self.user, text=line.strip(), user_name=self.user)
        return router.dispatch(self.ctx, msg)  # "2" picks the second offered choice there

    def show(self, reply: Reply) -> None:
        write_reply(reply, self.out, self.folder)

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


def write_reply(reply: Reply, out: TextIO, folder: Path | None = None) -> None:
    if reply.is_push:
        out.write(f"[推送 → {reply.chat_id}] ")
    out.write(reply.text.rstrip() + "\n")
    for n, choice in enumerate(reply.choices, 1):
        out.write(f"  [{n}] {choice.label}\n")
    if reply.attachment:
        out.write(f"  {describe_attachment(reply.attachment, folder or Path(OUT_DIR))}\n")
    out.flush()


def describe_attachment(att: Attachment, folder: Path) -> str:
    """Save the attachment and say where; if it cannot be saved, say why (the reply itself still shows)."""
    size = f"{len(att.data):,} 字节"
    try:
        path = save_attachment(att, folder)
    except OSError as err:
        log.warning("could not save %s in %s: %s", att.filename, folder, err)
        return f"（附件 {att.filename}，{size}，未能保存到 {folder}：{err.strerror or err}。请检查 TUANWU_OUT_DIR）"
    return f"（附件已保存：{path}，{size}）"


def save_attachment(att: Attachment, folder: Path) -> Path:
    """Write the attachment into `folder` under its own name (made safe), never over an existing file."""
    folder.mkdir(parents=True, exist_ok=True)
    name = Path(att.filename.replace("\\", "/")).name or "attachment"
    stem, suffix = Path(name).stem, Path(name).suffix
    for n in range(1, 10_000):
        path = folder / (name if n == 1 else f"{stem}-{n}{suffix}")
        try:
            with open(path, "xb") as f:  # "x": fails instead of overwriting, even against another process
                f.write(att.data)
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"too many files named {name} in {folder}")


class ConsoleSender(Sender):
    """The console's outbound side for the scheduler: a push is printed as `[推送 → chat] …`."""

    platform = PLATFORM

    def __init__(self, out: TextIO = sys.stdout, folder: Path | None = None):
        self.out = out
        self.folder = folder

    async def send(self, reply: Reply) -> SendResult:
        write_reply(reply, self.out, self.folder)
        return SendResult("sent")

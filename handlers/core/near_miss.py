"""Near misses of command words: "打咔 …" or "截至 添加 2026-12-31 …" gets "您是不是想用“打卡”？", not an answer.

A typed word is a near miss of a command word when it has the same length and every character that
differs sounds the same (打咔 ~ 打卡, 截至 ~ 截止: Chinese input methods type by pinyin, so a slip is a
homophone), or — for the ASCII aliases — it is one edit away (chekin ~ checkin). A near miss alone is
not enough: what follows must look like that command's arguments (a sub-command like 添加, a day, a
statement; see handlers/core/arguments.py), so "截至目前团员多少人" stays a question. The suggestion offers
the corrected command as a choice, and answering it as a question as the other.
"""
from __future__ import annotations

from rapidfuzz.distance import OSA

from handlers.core.echo import clip
from handlers.core.router import _SEPARATOR, EVERYONE, REGISTRY, Command, commands
from handlers.core.types import Choice, Context, Incoming, Reply
from knowledge.pinyin import homophones

MIN_ASCII = 4  # shorter ASCII words are too close to everything (faq ~ fax)


def sounds_like(typed: str, word: str) -> bool:
    """Same length, not the same, and every differing character a homophone (or one edit for ASCII)."""
    if typed == word or len(typed) != len(word) and not word.isascii():
        return False
    if word.isascii():
        return typed.isascii() and len(word) >= MIN_ASCII and OSA.distance(typed.lower(), word) == 1
    if len(word) < 2:
        return False
    pairs = [(a, b) for a, b in zip(typed, word) if a != b]
    return len(pairs) < len(word) and all(homophones(a, b) for a, b in pairs)


def closest(typed: str, role: str | None = None) -> Command | None:
    """The listed command whose word `typed` is a near miss of (for 帮助 <unknown>)."""
    typed = typed.strip().lstrip("/／")
    for cmd in commands(role=role):
        if any(sounds_like(typed, name) for name in cmd.names):
            return cmd
    return None


def suggestion(ctx: Context, msg: Incoming) -> Reply | None:
    """The reply suggesting the command `msg` nearly typed, or None when it is not such a near miss."""
    body = msg.text.strip().lstrip("/／")
    role = None
    for word, cmd, rest, spaced in _candidates(body):
        if cmd.hidden:
            continue
        if cmd.roles != EVERYONE:
            role = role or ctx.role(msg)
            if not cmd.allows(role):
                continue
        if cmd.glued is not None:
            args = cmd.glued(ctx, word, rest)
        else:
            args = "" if not rest.strip() else None  # 进渡: a command that takes nothing, typed alone
        if args is None:
            continue
        corrected = f"{cmd.name} {args}".strip()
        return Reply(f"您是不是想用“{cmd.name}”？\n  {corrected}\n（点按钮或回复序号：1 照此执行，2 当作问题回答）",
                     choices=(Choice(clip(corrected, 24), corrected), Choice("当作问题回答", f"问 {body}")))
    return None


def _candidates(body: str):
    """(command word, its command, the rest, spaced?) for each near miss `body` starts with."""
    m = _SEPARATOR.search(body)
    head, rest = (body[: m.start()], body[m.end():]) if m else (body, "")
    seen = set()
    for word in sorted(REGISTRY, key=len, reverse=True):
        cmd = REGISTRY[word]
        if sounds_like(head, word):  # 打咔 组织…, chekin …
            yield word, cmd, rest, True
        elif not word.isascii() and len(body) > len(word) and sounds_like(body[: len(word)], word) \
                and (word, body[len(word):]) not in seen:  # 打咔组织…
            seen.add((word, body[len(word):]))
            yield word, cmd, body[len(word):], False

"""What a command's arguments look like, so that a command word glued to them still counts as the command.

Chinese phone keyboards insert no space: "打卡组织青年大学习第13期" is 打卡 and what was done, "请假明天" is
请假 and a day, "问答12" is entry 12. A message that merely starts with a command word is a question:
"通知文号是多少", "截止日期是哪天", "城市团委怎么…", "帮助困难青年有哪些措施", "导出口…". A command says
what its arguments must look like for its word to count without a space (`@command(…, glued=RULE)`):

    打卡      a sub-command (修改, 历史 …), or a statement of what was done: not a question, at least
              four letters, the command word a word of its own (not 打卡机) and not followed by a
              particle (打卡的…, 打卡率…)
    请假      a day or a day range (明天, 11月25日-11月27日, 下周一到下周三)
    通知      a statement, as for 打卡 (admins only; never in group chatter not addressed to the bot)
    城市 订阅  a region or a place (枣庄, 北京市)
    问答      an entry number or a sub-command;  截止 管理员 未答  a sub-command
    导出      a month;  周报  周 or 月;  工作日  a date;  单位  a sub-command or an organisation's name
    帮助      a command's name

A command without a rule (进度, 今日, 退订, 问 …) needs a space, a colon or a comma after its word. Glued
words are tried longest first (截止日期 before 截止), and only for commands the sender may use: a member's
"通知本周五开会" is a question, not a refused broadcast.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Callable

# A word that turns a sentence into a question. General Chinese interrogatives only (几十 is a number).
INTERROGATIVE = re.compile(
    r"什么|啥|怎么|怎样|如何|咋|为什么|为何|多少|多久|多长|多大|多高|几(?![十百千万])|哪|谁|何时|何地|何处|是否"
    r"|能否|可否|有没有|是不是|要不要|能不能|可不可以|需不需要|会不会|对不对|行不行|算不算")
QUESTION_END = re.compile(r"(?:[?？]|[吗呢么嘛][\s。.!！~～…]*)$")
# After a command word these make it part of a phrase about the thing, not the command: 打卡的要求,
# 打卡率, 通知里说, 请假是…
PARTICLES = frozenset("的 地 得 了 着 过 吗 呢 吧 啊 呀 是 里 中 上 率 和 与 及 或 都 也 还 就 在 被 把 对 有 没 不 要 能 会 "
                      "可以 需要 应该 怎么 这个 那个".split())
SEPARATORS = " \t\n:：，,、"
MIN_STATEMENT = 4  # letters and digits a glued statement needs: 打卡情况, 通知精神 are phrases, not reports


def is_question(text: str) -> bool:
    """Whether the text asks something: a question mark, a final 吗/呢, or an interrogative word."""
    text = unicodedata.normalize("NFKC", text).strip()
    return bool(QUESTION_END.search(text) or INTERROGATIVE.search(text))


class Rule:
    """What a command's arguments look like. Called with the text glued after the command word; returns
    the arguments to hand to the handler, or None when the text does not read as them."""

    in_chatter = False  # also recognised in group chatter not addressed to the bot (打卡, 请假)

    def __call__(self, ctx, word: str, rest: str) -> str | None:  # pragma: no cover - interface
        raise NotImplementedError

    def tidy(self, args: str) -> str:
        """The arguments of a spaced command, as the handler expects them (a glued sub-command split off)."""
        return args

    def __or__(self, other: "Rule") -> "Rule":
        return AnyOf(self, other)


class AnyOf(Rule):
    def __init__(self, *rules: Rule):
        self.rules = rules
        self.in_chatter = any(r.in_chatter for r in rules)

    def __call__(self, ctx, word: str, rest: str) -> str | None:
        return next((args for r in self.rules if (args := r(ctx, word, rest)) is not None), None)

    def tidy(self, args: str) -> str:
        for rule in self.rules:
            args = rule.tidy(args)
        return args


class SubCommand(Rule):
    """A sub-command word first (截止添加…, 问答列表2). With `split`, one glued to what follows is split off
    (添加12月31日 → 添加 12月31日): right where the arguments must start with a sub-command; wrong for
    打卡, whose text may start with one (打卡修改错别字 is a check-in)."""

    def __init__(self, *words: str, split: bool = True, in_chatter: bool = False):
        self.words = sorted(words, key=len, reverse=True)
        self.split, self.in_chatter = split, in_chatter

    def _match(self, text: str) -> tuple[str, str] | None:
        low = text.lower()
        for word in self.words:
            if low.startswith(word.lower()):
                after = text[len(word):]
                if not after or after[0] in SEPARATORS:
                    return word, after.lstrip(SEPARATORS)
                if self.split and not (word.isascii() and after[0].isascii() and after[0].isalnum()):
                    return word, after
        return None

    def __call__(self, ctx, word: str, rest: str) -> str | None:
        found = self._match(rest.strip())
        return None if found is None else f"{found[0]} {found[1]}".strip()

    def tidy(self, args: str) -> str:
        found = self._match(args) if self.split else None
        return args if found is None else f"{found[0]} {found[1]}".strip()


class Statement(Rule):
    """Free text that states something (a check-in, a notice): see the module docstring."""

    def __init__(self, in_chatter: bool = False, min_letters: int = MIN_STATEMENT):
        self.in_chatter, self.min_letters = in_chatter, min_letters

    def __call__(self, ctx, word: str, rest: str) -> str | None:
        text = rest.strip()
        if sum(ch.isalnum() for ch in text) < self.min_letters or is_question(text):
            return None
        from knowledge import segment

        segment.setup(_data_dir(ctx))
        tokens = segment.cut(word + text[:20])
        if not tokens or tokens[0] != word or (len(tokens) > 1 and tokens[1] in PARTICLES):
            return None  # 通知书…, 打卡机…, 打卡率…, 通知里…
        return text


class Number(Rule):
    def __call__(self, ctx, word: str, rest: str) -> str | None:
        text = unicodedata.normalize("NFKC", rest).strip()
        return text if text.isdecimal() else None


class Words(Rule):
    """One of a few fixed words (周报月, 周报周)."""

    def __init__(self, *words: str):
        self.words = {w.lower() for w in words}

    def __call__(self, ctx, word: str, rest: str) -> str | None:
        return rest.strip() if rest.strip().lower() in self.words else None


class Shaped(Rule):
    """Arguments that pass a test of their own (a day, a month, a region …)."""

    def __init__(self, test: Callable[[object, str], bool], in_chatter: bool = False):
        self.test, self.in_chatter = test, in_chatter

    def __call__(self, ctx, word: str, rest: str) -> str | None:
        text = rest.strip().lstrip(SEPARATORS)
        return text if text and self.test(ctx, text) else None


def _data_dir(ctx) -> str:
    settings = getattr(ctx, "settings", None)
    return getattr(settings, "data_dir", "data") or "data"


def _today(ctx) -> dt.date:
    return ctx.local_now().date() if ctx is not None else dt.date.today()


# ------------------------------------------------------------------ the shapes commands use

def day() -> Rule:
    """A day or day range first (请假明天, 请假下周一到下周三)."""
    from handlers.checkin.parse import looks_like_day

    return Shaped(lambda ctx, text: looks_like_day(text), in_chatter=True)


def month() -> Rule:
    """A month (导出十一月, 导出2026-11, 导出上月)."""
    from handlers.checkin.parse import looks_like_month

    return Shaped(lambda ctx, text: looks_like_month(text))


def date() -> Rule:
    """A date as admins type it (工作日2026-10-10)."""
    from knowledge.when import parse_when

    return Shaped(lambda ctx, text: parse_when(text, _today(ctx)) is not None)


def region_name(*also: str) -> Rule:
    """A region or a place (城市枣庄, 订阅北京市), or one of the words in `also` (城市清除)."""
    from handlers.core.regions import find_region

    return Shaped(lambda ctx, text: text.lower() in also or (ctx is not None and find_region(ctx, text) is not None))


ORG_SUFFIXES = ("团委", "团工委", "团总支", "团支部", "委员会", "工委", "总支", "支部")


def org_name() -> Rule:
    """An organisation's name (单位城东街道团工委): a statement that ends like one."""
    statement = Statement(min_letters=3)
    return Shaped(lambda ctx, text: text.endswith(ORG_SUFFIXES) and statement(ctx, "单位", text) is not None)


def command_name() -> Rule:
    """A command's own word (帮助打卡, 帮助deadlines)."""
    def named(ctx, text: str) -> bool:
        from handlers.core.router import REGISTRY

        return text.lower().lstrip("/／") in REGISTRY

    return Shaped(named)

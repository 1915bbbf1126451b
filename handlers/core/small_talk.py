"""What people say that is neither a command nor a question for the documents: a greeting, thanks,
"我是东莞的", "怎么打卡", "撤回".

A cadre's first message is often 你好, and their last 谢谢; answering those from the documents gave
"请把问题说得具体一些" or "抱歉，现有文件中没有找到…" — the bot sounded broken on day one. And people name
their city in words ("我是枣庄的", "我们在东莞团市委") long before they learn the 城市 command, and ask
how to use a command ("怎么打卡", "截止怎么用") instead of sending 帮助: they get that command's help; and
"撤回" (the word the check-in replies use) is offered as 打卡 删除. Only a
whole message counts: "你好，入团要多少学时？" is still a question, and "我是团员" names no place, so it
is asked like any other message.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from handlers.core.types import Choice, Context, Incoming, Reply

WELCOME = "您好！我是团务助手，可以回答工作要点和通知里的问题（附出处），也能记录每日打卡、提醒截止时间。"
_NOT_WORDS = re.compile(r"[\W_]+")  # punctuation, spaces, emoji: 你好！！, 谢谢🙏, thank you
_PARTICLES = re.compile(r"(?<=.)[啊呀呢哈嘛哦喔噢啦吧]+$")  # sentence-final particles: 你好呀, 谢谢啦
GREETINGS = frozenset("你好 您好 你们好 大家好 哈喽 嗨 在吗 在不在 在么 早 早上好 上午好 中午好 下午好 晚上好 "
                      "hi hello hey goodmorning".split())
THANKS = frozenset("谢谢 谢谢你 谢谢您 多谢 感谢 好的谢谢 谢谢了 好的 收到 知道了 明白了 懂了 辛苦了 "
                   "ok okay thanks thankyou thx".split())
UNDO = frozenset("撤回 撤销 撤回打卡 撤销打卡 删除打卡 删掉打卡 取消打卡".split())  # the confirmations say 撤回：打卡 删除 N
# 我是东莞的 / 我在枣庄 / 我们来自宁波市 / 我是东莞团市委的: who names a place and nothing else
_WHERE = re.compile(r"(?:我|我们|俺|本人)(?:是|在|来自|这边是|这里是)(?P<place>.{2,16}?)(?:的|人|这边|这里)?")
# 怎么打卡 / 如何请假 / 打卡怎么用 / 截止咋弄: how to use one of the bot's own commands
_HOW_TO = re.compile(r"(?:请问)?(?:怎么|怎样|如何|咋)(?:才能|进行|使用|用)?(?P<a>[\u4e00-\u9fff]{2,4})"
                     r"|(?P<b>[\u4e00-\u9fff]{2,4})(?:功能|命令)?(?:怎么|怎样|如何|咋)(?:用|使用|弄|操作|发)")
_ORG = re.compile(r"(?:的)?(?:团市委|团县委|团区委|团委|团工委|团支部|团组织|共青团|市委|县委|区委)$")


def _bare(text: str) -> str:
    return _PARTICLES.sub("", _NOT_WORDS.sub("", unicodedata.normalize("NFKC", text).lower()))


def reply(ctx: Context, msg: Incoming) -> list[Reply] | None:
    """The replies to small talk, or None when the message is something else (a question)."""
    bare = _bare(msg.text)
    if bare in GREETINGS:
        return [Reply(f"{WELCOME}\n直接发送问题即可，例如：入团前需要参加多少学时的团课？发送“帮助”查看全部命令。")]
    if bare in THANKS:
        return [Reply("不客气！有问题随时发给我。")]
    if bare in UNDO:  # offered, not done: one word should not delete a record
        return [Reply("要撤回今天的打卡吗？点按钮或回复 1；今天有几条时会问撤回哪一条。"
                      "补打的昨天那条：打卡 删除 昨天 1；改内容：打卡 修改 新内容。",
                      choices=(Choice("撤回今天的打卡", "打卡 删除"),))]
    found = _WHERE.fullmatch(bare)
    if found:
        return _set_region(ctx, msg, found.group("place"))
    how = _HOW_TO.fullmatch(bare)
    if how:
        return _command_help(ctx, msg, how.group("a") or how.group("b"))
    return None


def _command_help(ctx: Context, msg: Incoming, word: str) -> list[Reply] | None:
    """帮助 <command> for a question about using one of the bot's commands (怎么入团 is no command: None)."""
    from handlers.core.router import REGISTRY, dispatch

    cmd = REGISTRY.get(word)
    if cmd is None or cmd.hidden or word.isascii():
        return None
    return dispatch(ctx, replace(msg, text=f"帮助 {cmd.name}"))


def _set_region(ctx: Context, msg: Incoming, said: str) -> list[Reply] | None:
    from handlers.core import regions
    from handlers.core.router import dispatch

    for candidate in dict.fromkeys((said, _ORG.sub("", said))):
        region = regions.find_region(ctx, candidate) if candidate else None
        if region is not None:
            return dispatch(ctx, replace(msg, text=f"城市 {region.name}"))
    return None  # 我是团员: no place named — asked as a question

"""问: answer a question from the plans with sources; plain text in a private chat comes here too.

An answer shows its first page (the answer line, a quotation per region) and keeps the rest — other
sentences, other items, full citations — for "更多" (or a bare "1"), in the same chat, on every
platform: the store's pending page is the one place it waits (WeChat's byte-limit pager adds to it).
"""
from __future__ import annotations

import unicodedata

from handlers.core.router import command
from handlers.core.types import Choice, Context, Incoming, Reply
from knowledge.unanswered import log_miss

MAX_QUESTION = 500
MORE_WORDS = ("1", "１")  # "更多：回复 1": a bare 1 is never a question
NOTHING_MORE = "没有更多内容了。请直接输入新的问题，或发送“帮助”查看用法。"


def check_question(text: str) -> str | None:
    """A specific message for input that is not a usable question, else None."""
    if not text.strip():
        return "请在“问”后面写上您的问题，例如：问 入团前需要参加多少学时的团课？"
    if len(text) > MAX_QUESTION:
        return f"问题太长了（{len(text)}字）。请精简到{MAX_QUESTION}字以内，一次只问一件事。"
    if not any(unicodedata.category(ch)[0] in "LN" for ch in text):
        return "没看懂这条消息。请用文字提问，例如：考核材料什么时候交？"
    return None


@command("问", "ask", extra=("提问",))
def ask(ctx: Context, msg: Incoming, args: str) -> Reply:
    """问一个关于工作要点和通知的问题（私聊里直接发问题也行），答案附出处。

    入团前需要参加多少学时的团课？              直接发问题即可
    问 通知文号是多少                          以命令词开头的问题，前面加“问”
    1                                          回答末尾有“更多：回复 1”时，查看其余部分
    """
    if args.strip() in MORE_WORDS:
        return more(ctx, msg, "")
    problem = check_question(args)
    if problem:
        return Reply(problem)
    region = ctx.store.profiles.region(msg.platform, msg.user_id)
    answer = ctx.kb.ask(args, region)
    keep_more(ctx, msg, answer.more)
    if not answer.confident:
        # Learning from misses: what was asked and how it went, not who asked it.
        log_miss(ctx.store, getattr(ctx.kb, "embedder", None), ctx.now().isoformat(timespec="seconds"),
                 msg.platform, region, args, answer)
    return Reply(answer.text, choices=tuple(Choice(label, cmd) for label, cmd in answer.choices),
                 data=answer.as_json())


@command("选", "pick", hidden=True)
def pick(ctx: Context, msg: Incoming, args: str) -> Reply:
    """从“您是想问哪一条”的选项中选一条。"""
    try:
        pid = int(args.strip())
    except ValueError:
        return Reply("请选择一个选项的编号。")
    answer = ctx.kb.answer_passage(pid)
    if answer is None:
        return Reply("这个选项已失效（文件可能已更新），请重新提问。")
    keep_more(ctx, msg, answer.more)
    return Reply(answer.text, data=answer.as_json())


@command("更多", "more")
def more(ctx: Context, msg: Incoming, args: str) -> Reply:
    """查看上一个回答的其余部分：更多原文、其他条目和完整出处（也可以只回复 1）。

    更多                                       回答末尾有“更多：回复 1”时，查看其余部分
    """
    page = ctx.store.pages.get(msg.platform, msg.user_id, msg.chat)
    if not page or not page["more"]:
        return Reply(NOTHING_MORE)
    keep_more(ctx, msg, "")  # shown once; the next "更多" says there is nothing left
    return Reply(page["more"])


def keep_more(ctx: Context, msg: Incoming, rest: str) -> None:
    """Keep the rest of the latest answer for "更多" in this chat (an answer without a rest clears it,
    so "1" never brings back an older answer's), and forget earlier choices: after an answer a bare "1"
    is its 更多 (the router keeps the answer's own choices, if it offers any, after this)."""
    ctx.store.pages.save(msg.platform, msg.user_id, more=rest, choices=[],
                         now=ctx.now().isoformat(timespec="seconds"), chat_id=msg.chat)

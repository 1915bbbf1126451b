"""问答 / 未答: the FAQ for cadres (what can be asked), its curation by admins, and the misses log."""
from __future__ import annotations

import re

from handlers.core.arguments import Number, SubCommand
from handlers.core.router import ADMIN, command, refusal
from handlers.ask import keep_more
from handlers.core.types import Context, Incoming, Reply
from knowledge import unanswered as misses

PAGE = 10
SUB = {"添加": "add", "add": "add", "修改": "edit", "edit": "edit", "删除": "delete", "delete": "delete",
       "列表": "list", "list": "list", "查看": "show", "show": "show"}
USAGE = "用法：问答 添加 问题 | 答案；问答 修改 编号 [新问题] | 新答案；问答 删除 编号；问答 列表 [页]；问答 编号"


@command("问答", "faq", extra=("常见问题",), glued=Number() | SubCommand(*SUB))
def faq(ctx: Context, msg: Incoming, args: str) -> Reply:
    """常见问题：按文件章节列出可以问的问题（问答 列表 2 翻页，问答 12 看第12条）；管理员可添加、修改、删除。

    问答                                      按文件章节列出可以问的问题
    问答 列表 2                               第2页
    问答 12                                   看第12条的答案（问答12 也行）
    问答 添加 团费怎么交？ | 按月交给所在团支部   管理员添加（问题和答案用竖线隔开）
    问答 修改 12 | 新答案                      管理员修改；问答 删除 12 删除
    """
    head, _, rest = args.strip().partition(" ")
    action = SUB.get(head.lower()) if head else "list"
    if head.isdecimal():
        action, rest = "show", head
    if action is None:
        return Reply(USAGE)
    if action in ("add", "edit", "delete") and not ctx.is_global_admin(msg):
        return Reply(refusal(msg, "添加、修改、删除常见问题"))
    if action == "show":
        return _show(ctx, rest.strip(), msg)
    return ACTIONS[action](ctx, rest.strip())


def _list(ctx: Context, rest: str) -> Reply:
    entries = [e for e in ctx.store.faq.entries() if e.get("listed", 1)]  # questions a person would ask
    first_seen: dict[str, int] = {}
    for e in entries:
        first_seen.setdefault(e["section"] or "", e["id"])
    # curated first, then the plans' sections in document order, each section's questions together
    entries.sort(key=lambda e: (e["kind"] != "curated", first_seen[e["section"] or ""], e["id"]))
    pages = max(1, -(-len(entries) // PAGE))
    page = int(rest) if rest.isdecimal() else 1
    if not 1 <= page <= pages:
        return Reply(f"没有第{page}页，共{pages}页。")
    lines, section = [f"常见问题（第{page}/{pages}页，发送“问答 编号”查看答案）："], None
    for e in entries[(page - 1) * PAGE: page * PAGE]:
        if e["section"] != section:
            section = e["section"]
            lines.append(f"【{section}】")
        lines.append(f"  #{e['id']} {e['question']}")
    if page < pages:
        lines.append(f"下一页：问答 列表 {page + 1}")
    return Reply("\n".join(lines))


def _show(ctx: Context, rest: str, msg: Incoming) -> Reply:
    entry = ctx.store.faq.entry(int(rest)) if rest.isdecimal() else None
    if entry is None:
        return Reply(f"没有编号为“{rest[:10]}”的常见问题。发送“问答”查看列表。")
    answer = ctx.kb.ask(entry["question"]) if entry["kind"] != "curated" else None
    if answer is not None:
        keep_more(ctx, msg, answer.more)  # its "更多：回复 1" works like any answer's
    text = answer.text if answer else entry["answer"]
    return Reply(f"#{entry['id']} {entry['question']}\n{text}", data=answer.as_json() if answer else {})


def _split(rest: str) -> tuple[str, str] | None:
    if "|" not in rest and "｜" not in rest:
        return None
    question, _, answer = rest.replace("｜", "|").partition("|")
    return question.strip(), answer.strip()


def _add(ctx: Context, rest: str) -> Reply:
    parts = _split(rest)
    if not parts or not parts[0] or not parts[1]:
        return Reply("格式：问答 添加 问题 | 答案（问题和答案之间用竖线“|”隔开）。")
    question, answer = parts
    if len(question) > 200 or len(answer) > 2000:
        return Reply("问题请在200字以内，答案请在2000字以内。")
    entry_id = ctx.store.faq.add(question, answer, now=_now(ctx))
    ctx.kb.reload_faq()
    return Reply(f"已添加常见问题 #{entry_id}：{question}")


def _edit(ctx: Context, rest: str) -> Reply:
    m = re.match(r"(\d+)\s*(.*)$", rest, re.S)
    parts = _split(m.group(2)) if m else None
    if not m or not parts or not (parts[0] or parts[1]):
        return Reply("格式：问答 修改 编号 新问题 | 新答案（只改答案：问答 修改 编号 | 新答案）。")
    if not ctx.store.faq.update(int(m.group(1)), parts[0] or None, parts[1] or None, _now(ctx)):
        return Reply(f"没有编号为 {m.group(1)} 的常见问题。")
    ctx.kb.reload_faq()
    return Reply(f"已修改常见问题 #{m.group(1)}。")


def _delete(ctx: Context, rest: str) -> Reply:
    if not rest.isdecimal():
        return Reply("格式：问答 删除 编号")
    if not ctx.store.faq.delete(int(rest)):
        return Reply(f"没有编号为 {rest} 的常见问题。")
    ctx.kb.reload_faq()
    return Reply(f"已删除常见问题 #{rest}。")


ACTIONS = {"list": _list, "add": _add, "edit": _edit, "delete": _delete}


def _now(ctx: Context) -> str:
    return ctx.now().isoformat(timespec="seconds")


@command("未答", "unanswered", roles=(ADMIN,), glued=SubCommand("采纳", "adopt"))
def unanswered(ctx: Context, msg: Incoming, args: str) -> Reply:
    """查看答不上来的问题（相似的合为一组，问得多的在前）；“未答 采纳 组号 答案”把一组变成常见问题。

    未答                                      答不上来的问题，按提问次数分组
    未答 采纳 1 按月交给所在团支部              把第1组加为常见问题，答案就是这句
    """
    misses.tidy(ctx.store, getattr(ctx.kb, "embedder", None), ctx.now(), retention_days(ctx))
    head, _, rest = args.strip().partition(" ")
    if head in ("采纳", "adopt"):
        m = re.match(r"(\d{1,4})\s+(.+)$", rest.strip(), re.S)
        if not m:
            return Reply("格式：未答 采纳 组号 答案")
        n = int(m.group(1))
        groups = misses.groups(ctx.store, limit=max(n, 1))
        if not 1 <= n <= len(groups):
            return Reply(f"没有第{n}组。发送“未答”查看分组。")
        group = groups[n - 1]
        entry_id = adopt_group(ctx, group, m.group(2).strip())
        return Reply(f"已把第{n}组（{group.count}次提问）加为常见问题 #{entry_id}：{group.question}")
    groups = misses.groups(ctx.store, limit=15)
    if not groups:
        return Reply("目前没有答不上来的问题。")
    lines = ["答不上来或把握不大的问题（按提问次数）："]
    for i, g in enumerate(groups, 1):
        others = [w for w in g.wordings if w != g.question][:2]
        region = f"，地区：{'、'.join(sorted(g.regions))}" if g.regions else ""
        lines.append(f"{i}. （{g.count}次{region}，最近 {g.last_at[:10]}）{g.question}")
        lines += [f"     也问成：{w}" for w in others]
    lines.append("把一组变成常见问题：未答 采纳 组号 答案")
    return Reply("\n".join(lines))


def adopt_group(ctx: Context, group: misses.MissGroup, answer: str) -> int:
    """A group of misses becomes a curated FAQ entry (its wordings its phrasings) and leaves 未答."""
    entry_id = ctx.store.faq.add(group.question, answer, list(group.wordings), _now(ctx))
    ctx.store.misses.resolve_group(group.id, entry_id)
    ctx.kb.reload_faq()
    return entry_id


def retention_days(ctx: Context) -> int:
    value = (ctx.settings.env or {}).get("TUANWU_MISS_DAYS", "")
    return int(value) if value.strip().isdigit() else misses.RETENTION_DAYS

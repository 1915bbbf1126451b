"""未答 and 常见问题: the grouped questions the assistant could not answer, adopting one as a curated FAQ
entry, browsing and curating the FAQ, and its YAML export / import — chat's verbs, the same rules.

Adopting is handlers.faq.adopt_group (what `未答 采纳` does), by the group's id rather than its place in
the list, so a list that moved between showing and adopting cannot adopt the wrong group. Adding,
changing and deleting are the `问答 …` commands; import is knowledge.faq_io's all-or-nothing check.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from handlers.dashboard import audit
from handlers.dashboard.viewer import Viewer, act
from handlers.faq import adopt_group, retention_days
from handlers.core.types import Context
from knowledge import faq_io
from knowledge import unanswered as misses

GROUPS = 50
PAGE = 50
NOT_ADMIN = "只有管理员（全局）可以整理常见问题和未答问题。"


def unanswered_page(ctx: Context, viewer: Viewer) -> dict:
    misses.tidy(ctx.store, getattr(ctx.kb, "embedder", None), ctx.now(), retention_days(ctx))
    groups = misses.groups(ctx.store, limit=GROUPS)
    return {"groups": [{"id": g.id, "question": g.question, "count": g.count, "last": g.last_at[:10],
                        "regions": "、".join(sorted(g.regions)),
                        "others": [w for w in g.wordings if w != g.question][:3]} for g in groups],
            "may_curate": viewer.is_global}


def adopt(ctx: Context, viewer: Viewer, form: dict) -> str:
    if not viewer.is_global:
        return NOT_ADMIN
    answer = (form.get("answer") or "").strip()
    group_id = form.get("group", "")
    if not answer:
        return "请写上答案。"
    if len(answer) > 2000:
        return "答案请在2000字以内。"
    group = next((g for g in misses.groups(ctx.store, limit=1000) if str(g.id) == group_id), None)
    if group is None:
        return "这一组已经被采纳，或已不在未答列表中。请刷新页面。"
    entry_id = adopt_group(ctx, group, answer)
    audit.record(ctx, viewer, "采纳未答问题", group.question, f"{group.count}次提问 → 常见问题 #{entry_id}")
    return f"已把“{group.question}”（{group.count}次提问）加为常见问题 #{entry_id}。"


def faq_page(ctx: Context, viewer: Viewer, page: int = 1) -> dict:
    entries = ctx.store.faq.entries()
    curated = [e for e in entries if e["kind"] == "curated"]
    generated = [e for e in entries if e["kind"] != "curated" and e.get("listed", 1)]
    pages = max(1, -(-len(generated) // PAGE))
    page = min(max(page, 1), pages)
    return {"curated": curated, "generated": generated[(page - 1) * PAGE: page * PAGE], "page": page,
            "pages": pages, "generated_total": len(generated), "may_curate": viewer.is_global}


def _clean(text: str, limit: int) -> str:
    return (text or "").strip()[:limit + 1]


def add(ctx: Context, viewer: Viewer, form: dict) -> str:
    question, answer = " ".join(_clean(form.get("question"), 200).split()), _clean(form.get("answer"), 2000)
    if "|" in question or "｜" in question:
        return "问题里不能有竖线“|”。"
    return _done(ctx, viewer, "添加常见问题", f"问答 添加 {question} | {answer}")


def edit(ctx: Context, viewer: Viewer, form: dict) -> str:
    question, answer = " ".join(_clean(form.get("question"), 200).split()), _clean(form.get("answer"), 2000)
    if "|" in question or "｜" in question:
        return "问题里不能有竖线“|”。"
    return _done(ctx, viewer, "修改常见问题", f"问答 修改 {_clean(form.get('id'), 20)} {question} | {answer}")


def delete(ctx: Context, viewer: Viewer, form: dict) -> str:
    return _done(ctx, viewer, "删除常见问题", f"问答 删除 {_clean(form.get('id'), 20)}")


def _done(ctx: Context, viewer: Viewer, action: str, command: str) -> str:
    if not viewer.is_global:
        return NOT_ADMIN
    answer = act(ctx, viewer, command)
    audit.record(ctx, viewer, action, command[:80], answer.splitlines()[0] if answer else "")
    return answer


def export_yaml(ctx: Context, viewer: Viewer, include_generated: bool = False) -> bytes:
    """The curated entries (or all) as `python bot.py faq export` writes them."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "faq.yaml"
        n = faq_io.export(ctx.store, path, include_generated=include_generated)
        audit.record(ctx, viewer, "导出常见问题", f"{n}条")
        return path.read_bytes()


def import_yaml(ctx: Context, viewer: Viewer, path: str, filename: str) -> str:
    """`python bot.py faq import`: a file with any fault changes nothing and says which line. The
    uploaded file is read under the admin's own file name (the messages name it) and then removed."""
    with tempfile.TemporaryDirectory() as folder:
        named = Path(folder) / (Path((filename or "").replace("\\", "/")).name or "faq.yaml")
        shutil.move(path, named)
        if not viewer.is_global:
            return NOT_ADMIN
        try:
            added, updated = faq_io.import_file(ctx.store, named, ctx.now().isoformat(timespec="seconds"))
        except faq_io.FaqFileError as err:
            audit.record(ctx, viewer, "导入常见问题", named.name, f"未导入：{err}")
            return f"未导入（文件有误，什么都没有改）：{err}"
    ctx.kb.reload_faq()
    audit.record(ctx, viewer, "导入常见问题", named.name, f"新增{added}条，更新{updated}条")
    return f"已导入：新增 {added} 条，更新 {updated} 条。"


ACTIONS = {"add": add, "edit": edit, "delete": delete}

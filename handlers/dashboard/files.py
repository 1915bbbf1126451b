"""文件: the ingested plans, and uploading one — `python bot.py ingest FILE` with a progress bar on a page.

An upload is saved under <data dir>/uploads/ (its name, without the extension, is the document's key:
a file of the same name replaces that document, as `ingest` does) and ingested in a thread of its own
with its own database connection: parse and index (knowledge/index.py), embed the new passages
(knowledge/dense.py), rebuild the FAQ (knowledge/faq_build.py) — the steps and order of `bot.py ingest`.
Each step updates the upload's row, which the progress page reads; a file that cannot be read is
named with the reason, and the previous version of the document stays in the index.
"""
from __future__ import annotations

import logging
import re
import shutil
import threading
import time
from pathlib import Path

from handlers.dashboard import audit
from handlers.dashboard.viewer import Viewer
from handlers.core.regions import label
from handlers.core.types import Context
from knowledge.ingest import unsupported_reason

log = logging.getLogger(__name__)
MAX_UPLOAD = 20 * 1024 * 1024
NOT_ADMIN = "只有管理员（全局）可以上传文件。"


def page(ctx: Context, viewer: Viewer) -> dict:
    counts = ctx.store.knowledge.passage_counts()
    docs = [dict(d, passages=counts.get(d["key"], 0), region_label=label(ctx, d["region"]) if d["region"] else "未注明",
                 uploaded="uploads" in Path(d["path"] or "").parts) for d in ctx.store.knowledge.documents()]
    docs.sort(key=lambda d: (not d["uploaded"], d["indexed_at"] or ""), reverse=False)
    return {"documents": docs, "uploads": ctx.store.web.uploads(10), "may_upload": viewer.is_global,
            "max_mb": MAX_UPLOAD // (1024 * 1024)}


def upload_dir(ctx: Context) -> Path:
    return Path(ctx.settings.data_dir) / "uploads"


def safe_name(filename: str) -> str:
    """The file's own name, without folders or characters a file system or a shell would trip on."""
    name = Path((filename or "").replace("\\", "/")).name.strip()
    name = re.sub(r"[\x00-\x1f<>:\"/\\|?*]+", "_", name).lstrip(".")
    return name[:120]


def start(ctx: Context, viewer: Viewer, temp_path: str, filename: str) -> int | str:
    """Begin ingesting an uploaded file: its upload id, or why it was refused (nothing is kept then)."""
    if not viewer.is_global:
        Path(temp_path).unlink(missing_ok=True)
        return NOT_ADMIN
    name = safe_name(filename)
    reason = None if name else "文件名为空"
    if name and not Path(name).suffix:
        reason = "没有扩展名，不知道是什么格式（请用 .txt、.docx、.pdf 或 .html）"
    reason = reason or unsupported_reason(Path(name))
    if reason is None and Path(temp_path).stat().st_size == 0:
        reason = "文件是空的"
    if reason:
        Path(temp_path).unlink(missing_ok=True)
        audit.record(ctx, viewer, "上传文件", name or "?", f"拒绝：{reason}")
        return f"没有导入 {name or '这个文件'}：{reason}。"
    target = upload_dir(ctx) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(temp_path, target)
    upload_id = ctx.store.web.add_upload(viewer.key, name, str(target), ctx.now())
    audit.record(ctx, viewer, "上传文件", name, f"上传 #{upload_id}")
    if ctx.store.path == ":memory:":  # one connection only (tests): ingest in line
        ingest(ctx, upload_id, target)
    else:
        threading.Thread(target=_ingest_apart, args=(ctx, upload_id, target), name=f"upload-{upload_id}",
                         daemon=True).start()
    return upload_id


def _ingest_apart(ctx: Context, upload_id: int, path: Path) -> None:
    """The ingest on a connection of its own (SQLite connections are not shared between threads)."""
    from dataclasses import replace

    try:
        store = type(ctx.store)(ctx.store.path)
        try:
            ingest(replace(ctx, store=store, kb=None), upload_id, path)
        finally:
            store.close()
    except BaseException:  # noqa: BLE001 - whatever stopped it, the page must not say "running" for ever
        log.exception("upload %s: the ingest thread stopped", upload_id)
        _finish_somehow(ctx, upload_id, f"{path.name}：处理时出错，已记录，请重新上传。")


def _finish_somehow(ctx: Context, upload_id: int, message: str, tries: int = 5) -> None:
    """Record the upload as failed unless it already ended — retrying while the database is busy."""
    for attempt in range(tries):
        try:
            row = ctx.store.web.upload(upload_id)
            if row is None or row["state"] != "running":
                return
            return _finish(ctx, upload_id, "failed", "失败", message)
        except Exception:  # noqa: BLE001 - a busy or briefly unreachable database: try again
            log.warning("upload %s: recording its failure (try %d of %d) failed", upload_id, attempt + 1, tries,
                        exc_info=True)
            time.sleep(2 ** attempt)


def ingest(ctx: Context, upload_id: int, path: Path) -> None:
    """Index, embed, rebuild the FAQ — recording each step, and the reason when one fails."""
    store = ctx.store

    def step(stage: str, percent: int) -> None:
        store.web.update_upload(upload_id, stage, percent)

    try:
        from knowledge import faq_build
        from knowledge.base import KnowledgeBase
        from knowledge.dense import ensure_vectors
        from knowledge.embed import shared_embedder
        from knowledge.index import index_plans

        step("解析文件", 5)
        errors: list[str] = []
        report = index_plans(store, [path], on_error=errors.append)
        if report.failed:
            reason = report.failed[0][1]
            return _finish(ctx, upload_id, "failed", "失败", f"{path.name}：{reason}（原有版本保持不变）")
        if not report.indexed:
            return _finish(ctx, upload_id, "done", "完成", f"{path.name} 与已索引的版本内容相同，无需重新索引。")
        embedder = shared_embedder(ctx.settings.embedder)
        embedded = 0
        if embedder is not None:
            step("计算语义向量", 10)
            embedded = ensure_vectors(store, embedder, report=lambda done, total: step(
                f"计算语义向量 {done}/{total}", 10 + int(80 * done / max(total, 1))))
        step("重建常见问题", 90)
        faq = faq_build.generate(KnowledgeBase(store, ctx.settings.data_dir, embedder))
        if embedder is not None:  # before "done": the answers the page promises are the answers an hour later
            step("计算常见问题的语义向量", 92)
            faq_build.embed_now(store, embedder, report=lambda done, total: step(
                f"计算常见问题的语义向量 {done}/{total}", 92 + int(7 * done / max(total, 1))))
        doc = next((d for d in store.knowledge.documents() if d["key"] == report.indexed[0]), {})
        _finish(ctx, upload_id, "done", "完成",
                f"已索引《{doc.get('title') or path.stem}》：{report.passages} 段"
                f"（地区：{doc.get('region') or '未注明'}，年份：{doc.get('year') or '未注明'}）；"
                f"语义向量新算 {embedded} 段；常见问题已重建 {faq} 条。现在就可以在聊天中提问了。")
    except Exception as err:  # noqa: BLE001 - the page must say it failed, whatever failed
        log.exception("upload %s failed", upload_id)
        _finish_somehow(ctx, upload_id, f"{path.name}：处理时出错（{type(err).__name__}），已记录。")


def _finish(ctx: Context, upload_id: int, state: str, stage: str, message: str) -> None:
    ctx.store.web.update_upload(upload_id, stage, 100, state, message, ctx.now())


def progress(ctx: Context, viewer: Viewer, upload_id: int) -> dict | None:
    row = ctx.store.web.upload(upload_id)
    if row is None or not viewer.is_global:
        return None
    return row

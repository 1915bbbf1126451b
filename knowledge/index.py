"""(Re)index plan documents into the store: parse each file, tokenise its sentences, swap it in.

A file that cannot be read or parsed is reported on one line (its name and the reason) and its
previous version, if any, stays in the index untouched. A file of a format ingest cannot read that
is met in a folder (.doc, .xls, images, archives …) is skipped and named, with what to save it as.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, TextIO

from knowledge.ingest import Document, IngestError, Item, parse_file, unsupported_reason
from knowledge.normalize import compact
from knowledge.segment import index_text

log = logging.getLogger(__name__)
PLANS_DIR = Path(__file__).parent / "plans"
HEAD_MARK = "|"  # separates a passage's heading from its sentence in the match text
INDEX_LEASE = "index-plans"
INDEX_LEASE_TIME = dt.timedelta(minutes=10)  # a crashed indexer's lease lapses after this
INDEX_WAIT = 120.0  # seconds a starting process waits for another one's indexing


@dataclass
class IndexReport:
    indexed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # met in a folder, format not readable
    passages: int = 0


def plan_files(paths: Iterable[str | Path] | None = None) -> list[Path]:
    """The files to index: the given files and folders, or the bundled plans folder."""
    return scan(paths)[0]


def scan(paths: Iterable[str | Path] | None = None) -> tuple[list[Path], list[tuple[str, str]]]:
    """The files to index, and the files skipped with the reason: folders are searched (sub-folders
    too) for the formats ingest reads; another format found there is skipped and named, while a file
    named on its own is always tried (so an unreadable one is an error, not a skip)."""
    files: list[Path] = []
    skipped: list[tuple[str, str]] = []
    for p in [Path(x) for x in (paths or [PLANS_DIR])]:
        if not p.is_dir():
            files.append(p)
            continue
        for f in sorted(p.rglob("*")):
            if not f.is_file() or _hidden(f.relative_to(p)):
                continue
            reason = unsupported_reason(f) if f.suffix else "没有扩展名，不知道是什么格式（请加上 .txt、.docx 或 .pdf）"
            if reason:
                skipped.append((str(f), reason))
            else:
                files.append(f)
    return _one_per_key(files, skipped), skipped


def _hidden(relative: Path) -> bool:
    """Dot files, Office's "~$" lock files and the "X_files" folder a browser saves beside a web
    page (its pictures and scripts) are not documents; nobody wants them reported."""
    return any(part.startswith((".", "~$")) for part in relative.parts) or \
        any(part.endswith(("_files", ".files")) for part in relative.parts[:-1])


def _one_per_key(files: list[Path], skipped: list[tuple[str, str]]) -> list[Path]:
    """A document is keyed by its file name without the extension: of two files with the same
    name (通知.pdf and 通知.docx, or one in each sub-folder) only the first is indexed."""
    seen: dict[str, Path] = {}
    out = []
    for f in files:
        if f.stem in seen and seen[f.stem] != f:
            skipped.append((str(f), f"与 {seen[f.stem]} 同名（同名文件只索引一个，请改名后再导入）"))
            continue
        seen.setdefault(f.stem, f)
        out.append(f)
    return out


def rows_for(doc: Document, items: list[Item]) -> tuple[dict, list[dict], list[list[dict]]]:
    """The store rows for one parsed document: the document, its items, each item's passages."""
    doc_row = asdict(doc)
    doc_row["indexed_at"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    item_rows, passage_rows = [], []
    for pos, it in enumerate(items):
        item_rows.append(dict(position=pos, kind=it.kind, section_no=it.section_no, section=it.section,
                              sub_no=it.sub_no, sub=it.sub, item_no=it.item_no, heading=it.heading,
                              body=it.body, label=it.label))
        context = " ".join(x for x in (it.section, it.sub, it.heading) if x)
        sentences = it.sentences or [it.heading]
        # A paragraph straight under a (sub)section heading belongs to that heading ("二、考核时段").
        heading = it.heading or (it.sub if it.kind == "paragraph" else "") or (it.section if it.kind == "paragraph" else "")
        passage_rows.append([
            dict(position=i, kind=it.kind, text=s, norm=f"{compact(heading)}{HEAD_MARK}{compact(s)}",
                 tokens=index_text(f"{context} {s}"))
            for i, s in enumerate(sentences) if s.strip()
        ])
    return doc_row, item_rows, passage_rows


def index_plans(store, paths: Iterable[str | Path] | None = None, *, force: bool = False,
                progress: TextIO | None = None, on_error: Callable[[str], None] | None = None) -> IndexReport:
    """Index the given plan files (default: the bundled plans); unchanged files are skipped."""
    files, skipped = scan(paths)
    known = {d["key"]: d for d in store.knowledge.documents()}
    report = IndexReport(skipped=skipped)
    batch = []
    for n, path in enumerate(files, 1):
        if progress:
            _bar(progress, n, len(files), path.name)
        try:
            if not path.exists():
                raise IngestError("文件不存在")
            doc, items = parse_file(path)
        except IngestError as err:
            report.failed.append((str(path), str(err)))
            if on_error:
                on_error(f"{path}: {err}")
            else:  # at start-up: the bot still starts; the operator learns why a plan is missing
                log.warning("plan not indexed: %s: %s", path, err)
            continue
        if not force and doc.key in known and known[doc.key]["sha1"] == doc.sha1:
            report.unchanged.append(doc.key)
            continue
        rows = rows_for(doc, items)
        report.passages += sum(len(p) for p in rows[2])
        batch.append(rows)
        report.indexed.append(doc.key)
    if batch:
        store.knowledge.replace_documents(batch)
    if progress:
        progress.write("\n")
    return report


def _bar(out: TextIO, n: int, total: int, name: str) -> None:
    width = 24
    done = int(width * n / max(total, 1))
    out.write(f"\r索引 [{'#' * done}{'.' * (width - done)}] {n}/{total} {name[:40]:<40}")
    out.flush()


def ensure_indexed(store, plans_dir: str | Path | None = None, wait: float = INDEX_WAIT) -> IndexReport | None:
    """On start: index the bundled plans when the store has none or they changed.

    Processes started at once on a fresh database (a cron tick and a console, twenty consoles) do not
    all index: one takes the "index" lease and indexes, the others wait for it — at most `wait`
    seconds, then start without the plans rather than hang — and find the documents there."""
    files = plan_files([plans_dir] if plans_dir else None)
    if _indexed(store, files):
        return None
    holder = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
    give_up = time.monotonic() + wait
    while True:
        now = dt.datetime.now(dt.timezone.utc)
        if store.leases.acquire(INDEX_LEASE, holder, now, now + INDEX_LEASE_TIME):
            try:
                if _indexed(store, files):  # another process finished while we were waiting
                    return None
                report = index_plans(store, files, progress=sys.stderr if sys.stderr.isatty() else None)
                log.info("indexed the plans: %d files, %d passages", len(report.indexed), report.passages)
                return report
            finally:
                store.leases.release(INDEX_LEASE, holder)
        if time.monotonic() > give_up:
            log.warning("another process (%s) is still indexing the plans after %.0f s; starting without waiting",
                        store.leases.holder(INDEX_LEASE, now), wait)
            return None
        time.sleep(0.2)
        if _indexed(store, files):
            return None


def _indexed(store, files: list[Path]) -> bool:
    # Cheap check (names); a changed file is noticed by `bot.py ingest` or a new name.
    known = {d["key"] for d in store.knowledge.documents()}
    return bool(known) and all(f.stem in known for f in files)

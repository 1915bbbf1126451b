"""(Re)index plan documents into the store: parse each file, tokenise its sentences, swap it in.

A file that cannot be read or parsed is reported on one line (its name and the reason) and its
previous version, if any, stays in the index untouched.
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

from knowledge.ingest import Document, IngestError, Item, parse_file
from knowledge.normalize import compact
from knowledge.segment import index_text

PLANS_DIR = Path(__file__).parent / "plans"
HEAD_MARK = "|"  # separates a passage's heading from its sentence in the match text
SUFFIXES = (".txt", ".docx")
INDEX_LEASE = "index-plans"
INDEX_LEASE_TIME = dt.timedelta(minutes=10)  # a crashed indexer's lease lapses after this
INDEX_WAIT = 120.0  # seconds a starting process waits for another one's indexing

log = logging.getLogger(__name__)


@dataclass
class IndexReport:
    indexed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    passages: int = 0


def plan_files(paths: Iterable[str | Path] | None = None) -> list[Path]:
    """The files to index: the given files and folders, or the bundled plans folder."""
    out: list[Path] = []
    for p in [Path(x) for x in (paths or [PLANS_DIR])]:
        if p.is_dir():
            out += sorted(f for f in p.iterdir() if f.suffix.lower() in SUFFIXES and not f.name.startswith("."))
        else:
            out.append(p)
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
    files = plan_files(paths)
    known = {d["key"]: d for d in store.documents()}
    report = IndexReport()
    batch = []
    for n, path in enumerate(files, 1):
        if progress:
            _bar(progress, n, len(files), path.name)
        try:
            if not path.exists():
                raise IngestError("no such file")
            doc, items = parse_file(path)
        except IngestError as err:
            report.failed.append((str(path), str(err)))
            if on_error:
                on_error(f"{path}: {err}")
            continue
        if not force and doc.key in known and known[doc.key]["sha1"] == doc.sha1:
            report.unchanged.append(doc.key)
            continue
        rows = rows_for(doc, items)
        report.passages += sum(len(p) for p in rows[2])
        batch.append(rows)
        report.indexed.append(doc.key)
    if batch:
        store.replace_documents(batch)
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
        if store.acquire_lease(INDEX_LEASE, holder, now, now + INDEX_LEASE_TIME):
            try:
                if _indexed(store, files):  # another process finished while we were waiting
                    return None
                report = index_plans(store, files, progress=sys.stderr if sys.stderr.isatty() else None)
                log.info("indexed the plans: %d files, %d passages", len(report.indexed), report.passages)
                return report
            finally:
                store.release_lease(INDEX_LEASE, holder)
        if time.monotonic() > give_up:
            log.warning("another process (%s) is still indexing the plans after %.0f s; starting without waiting",
                        store.lease_holder(INDEX_LEASE, now), wait)
            return None
        time.sleep(0.2)
        if _indexed(store, files):
            return None


def _indexed(store, files: list[Path]) -> bool:
    # Cheap check (names); a changed file is noticed by `bot.py ingest` or a new name.
    known = {d["key"] for d in store.documents()}
    return bool(known) and all(f.stem in known for f in files)

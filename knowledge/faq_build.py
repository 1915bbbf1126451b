"""Keeping the generated FAQ in step with the documents without making a start-up wait for it.

`ingest` and `faq build` generate the FAQ in line (the person asked for it). A start finds out
whether the documents changed since the last generation: a small corpus (the bundled plans: ~0.1 s)
is generated in line so the first answer already has its FAQ; a larger one in a background thread
with its own database connection, while answers come from the passages. The new entries' questions
are embedded for matching by meaning in the background, when that matching first needs them. Every attempt is recorded
(`faq_build`), so a generation that failed or was cut off (the process stopped) is tried again at
most MAX_ATTEMPTS times per version of the documents — after that only `ingest` or `faq build`
try, and the log says so — instead of on every start forever.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import threading

log = logging.getLogger(__name__)

INLINE_PASSAGES = 3_000  # up to this many passages a start generates in line (~0.1 s per 1,000)
MAX_ATTEMPTS = 2  # failed or interrupted attempts per document version before starts stop trying
STALE_HOURS = 6  # a "running" attempt older than this is taken as interrupted even if its pid lives


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def generate(kb, attempt: int | None = None) -> int:
    """Generate the FAQ from the indexed documents now, recording the attempt (or completing the
    one recorded by whoever started it); returns the count."""
    from knowledge import faq

    store = kb.store
    if attempt is None:
        attempt = store.faq.build_begin(store.knowledge.document_version(), _now(), os.getpid())
    try:
        n = faq.rebuild(kb, _now())
    except BaseException as err:  # KeyboardInterrupt too: the record says why it stopped
        store.faq.build_end(attempt, "failed", _now(), f"{type(err).__name__}: {err}")
        raise
    store.faq.build_end(attempt, "done", _now(), f"{n} entries")
    return n


_EMBEDDING: set[str] = set()  # databases this process is embedding the generated FAQ of


def embed_in_background(store, embedder) -> None:
    """Embed the generated entries that have no vector yet, in a background thread — once per
    process and database, when matching by meaning first needs them (a start that only answers
    confidently never spends the time). Entries join the matching as their vectors arrive."""
    if store.path != ":memory:" and store.path not in _EMBEDDING:
        _EMBEDDING.add(store.path)
        threading.Thread(target=_embed, args=(store.path, embedder), name="faq-embed", daemon=True).start()


def embed_now(store, embedder, report=None) -> int:
    """Embed the generated entries that have no vector yet, here and now (`ingest` and an upload do,
    so the answers right after them are the answers an hour later); then record it, so running bots
    reload their FAQ with the vectors (store.knowledge.version). Returns how many texts were embedded."""
    from knowledge.faq_index import embed_generated

    n = embed_generated(store, embedder, report)
    if n:
        attempt = store.faq.build_begin(store.knowledge.document_version(), _now(), os.getpid())
        store.faq.build_end(attempt, "embedded", _now(), f"{n} texts embedded")
    return n


def _embed(path: str, embedder) -> None:
    """embed_now on a connection of its own, for a bot whose FAQ was generated without them."""
    from db import Store

    try:
        with Store(path) as store:
            embed_now(store, embedder)
    except Exception:
        log.exception("embedding the generated FAQ failed; it is matched by its words only")


def needs_generation(store, changed: bool) -> bool:
    """Whether the generated FAQ is missing or older than the documents."""
    if changed or not store.faq.count("generated"):
        return True
    last = store.faq.last_build_done()
    return last is not None and last["version"] != store.knowledge.document_version()  # none recorded: built before records


def start_reason_to_skip(store) -> str:
    """Why a start should not try to generate (another process is at it, or it failed too often); "" to go."""
    attempts = store.faq.build_attempts(store.knowledge.document_version())
    now = dt.datetime.now(dt.timezone.utc)
    spent = 0
    for a in attempts:
        if a["status"] == "running" and _alive(a["pid"]) and a["pid"] != os.getpid() and \
                now - dt.datetime.fromisoformat(a["started_at"]) < dt.timedelta(hours=STALE_HOURS):
            return "another process is generating it"
        if a["status"] in ("failed", "running"):
            spent += 1
    if spent >= MAX_ATTEMPTS:
        last = attempts[0]
        what = "interrupted" if last["status"] == "running" else f"failed: {last['detail'] or '?'}"
        return (f"{spent} attempts for these documents failed or were interrupted (the last {what}); "
                "run `python bot.py faq build` to try again")
    return ""


def keep_current(kb, data_dir: str, changed: bool = False) -> str:
    """At start: generate the FAQ if the documents changed — in line when small, else in the
    background. Returns what it did: "current", "inline", "background" or "skipped"."""
    store = kb.store
    if not needs_generation(store, changed):
        return "current"
    reason = start_reason_to_skip(store)
    if reason:
        log.warning("FAQ not generated at start: %s; answers come from the documents meanwhile", reason)
        return "skipped"
    if store.path == ":memory:" or store.knowledge.passage_count() <= INLINE_PASSAGES:
        try:
            generate(kb)
        except Exception:
            log.exception("FAQ generation failed; answers come from the documents")
        return "inline"
    # Recorded before the thread starts: a process that stops first (a one-shot `ask`) leaves an
    # interrupted attempt behind, and starts give up after MAX_ATTEMPTS instead of trying forever.
    attempt = store.faq.build_begin(store.knowledge.document_version(), _now(), os.getpid())
    threading.Thread(target=_background, args=(store.path, data_dir, getattr(kb, "embedder", None), attempt),
                     name="faq-build", daemon=True).start()
    return "background"


def _background(path: str, data_dir: str, embedder=None, attempt: int | None = None) -> None:
    """Generate on a connection of its own; the running bot sees the new entries on its next refresh."""
    from db import Store
    from knowledge.base import KnowledgeBase

    try:
        with Store(path) as store:
            try:
                n = generate(KnowledgeBase(store, data_dir, embedder=embedder), attempt)
            except Exception as err:
                if attempt is not None:  # (generate records its own failures; this covers loading)
                    store.faq.build_end(attempt, "failed", _now(), f"{type(err).__name__}: {err}")
                raise
        log.info("FAQ generated in the background: %d entries", n)
    except Exception:
        log.exception("FAQ generation in the background failed; answers come from the documents")


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

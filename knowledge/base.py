"""The knowledge base a running bot holds: the indexed plans plus what is needed to answer quickly.

Built once at start (statistics from the FTS vocabulary, document metadata), refreshed after an
ingest. `ask()` is the whole path: analyse → search → compose.
"""
from __future__ import annotations

import re
from functools import lru_cache

from knowledge import lexicon, segment
from knowledge.answer import Answer, compose
from knowledge.query import Analyzer
from knowledge.query import Query
from knowledge.search import Hit, Result, search


class KnowledgeBase:
    def __init__(self, store, data_dir: str = "data"):
        segment.setup(data_dir)
        self.store = store
        self.reload()

    def reload(self) -> None:
        """Re-read documents and statistics from the store (after an ingest)."""
        self.docs = {d["key"]: d for d in self.store.documents()}
        self.df = self.store.token_document_frequency()
        self.regions = sorted({d["region"] for d in self.docs.values()})
        self.doc_years = {d["year"] for d in self.docs.values() if d["year"]}
        self.corpus_years = {int(t) for t in self.df if re.fullmatch(r"(?:19|20)\d\d", t)}
        places_in_corpus = {p for p in lexicon.places() if p in self.df}
        self.analyzer = Analyzer(self.df, self.store.passage_count(), self.regions, places_in_corpus)
        self._kind_ids: dict[tuple[str, tuple[str, ...] | None], list[int]] = {}
        self.mentions_year.cache_clear()

    def passages_of_kind(self, kind: str, doc_keys: list[str] | None) -> list[int]:
        key = (kind, tuple(doc_keys) if doc_keys else None)
        if key not in self._kind_ids:
            sql = "SELECT id FROM passage WHERE kind = ?"
            params: list = [kind]
            if doc_keys:
                sql += f" AND doc_key IN ({','.join('?' * len(doc_keys))})"
                params += doc_keys
            self._kind_ids[key] = [r[0] for r in self.store.db.execute(sql + " LIMIT 50", params)]
        return self._kind_ids[key]

    @lru_cache(maxsize=256)
    def mentions_year(self, doc_key: str, years: tuple[int, ...] | list[int]) -> bool:
        for y in years:
            row = self.store.db.execute(
                "SELECT 1 FROM passage WHERE doc_key = ? AND norm LIKE ? LIMIT 1", [doc_key, f"%{y}%"]).fetchone()
            if row:
                return True
        return False

    def coverage(self) -> str:
        """What the documents cover, for a decline: 东莞（2017）、宁波（2019）…"""
        seen: dict[str, set[int]] = {}
        for d in self.docs.values():
            seen.setdefault(d["region"], set()).add(d["year"])
        return "、".join(f"{r}（{'、'.join(str(y) for y in sorted(ys) if y)}）" for r, ys in sorted(seen.items()))

    def search(self, question: str, region: str | None = None) -> Result:
        return search(self, self.analyzer.analyze(question, region), region)

    def ask(self, question: str, region: str | None = None) -> Answer:
        return compose(self, self.search(question, region), region)

    def answer_passage(self, pid: int) -> Answer | None:
        """The answer for one chosen passage (a "did you mean" choice)."""
        row = self.store.passages_by_id([pid]).get(pid)
        if row is None:
            return None
        hit = Hit(pid, row, self.docs[row["doc_key"]], 1.0)
        return compose(self, Result(Query(raw="", norm=""), "answer", [hit], best=1.0))

"""The knowledge base a running bot holds: the indexed plans plus what is needed to answer quickly.

Built once at start (statistics from the FTS vocabulary, document metadata), refreshed after an
ingest. `ask()` is the whole path: analyse → search → compose.
"""
from __future__ import annotations

import re
import time
from array import array
from functools import lru_cache
from pathlib import Path

ROW_CACHE = 50_000  # passage rows kept in memory (~40 MB at most)
REFRESH_EVERY = 2.0  # seconds between checks for another process's re-index or FAQ edit
PLACE_SUFFIXES = "省市县区镇乡"
PLACE_CORE = re.compile(r"([\u4e00-\u9fff]{2,3}?)(?:省|市|县|区|镇|乡|街道)")
IDENTITY_SHARE = 0.25  # a title/issuer word in at most this share of documents names its document
SENTENCE_CACHE = 4096  # items whose sentences are kept
DOC_TOKEN_CACHE = 512  # documents whose passages' token sets are kept

import numpy as np

from knowledge import answerable, lexicon, pinyin, segment
from knowledge.dense import DenseIndex
from knowledge.embed import Embedder
from knowledge.semantic import Semantic
from knowledge.answer import Answer, compose, curated_answer
from knowledge.normalize import compact
from knowledge.postings import Postings
from knowledge.faq_curated import best_curated
from knowledge.faq_index import FAQ_ANSWER, FaqIndex, FaqMatch
from knowledge.ingest.meta import committees_of, places_of
from knowledge.query import Analyzer
from knowledge.query import Query
from knowledge.decision import settled
from knowledge.search import Hit, Result, out_of_scope, search


class KnowledgeBase:
    def __init__(self, store, data_dir: str = "data", embedder: Embedder | None = None):
        segment.setup(data_dir)
        self.store = store
        # A database in memory (tests, the shipped-vector build) keeps its matrix to itself.
        self.cache = None if store.path == ":memory:" else Path(data_dir) / "cache"
        self.semantic = Semantic(store, embedder, self.cache)
        self.reload()

    @property
    def embedder(self) -> Embedder | None:
        """The embedder of the semantic layer (None when off, or after it failed)."""
        return self.semantic.embedder

    @embedder.setter
    def embedder(self, embedder: Embedder | None) -> None:
        self.semantic = Semantic(self.store, embedder, self.cache)

    def refresh(self) -> None:
        """Reload when another process or worker re-indexed the plans or edited the FAQ (checked at
        most every few seconds, so the common path costs nothing)."""
        now = time.monotonic()
        if now - self._checked < REFRESH_EVERY:
            return
        self._checked = now
        version = self.store.knowledge.version()
        if version[:2] != self._version[:2]:
            self.reload()
        elif version != self._version:
            self.reload_faq()

    def reload(self) -> None:
        """Re-read documents and statistics from the store (after an ingest)."""
        self.docs = {d["key"]: d for d in self.store.knowledge.documents()}
        region_places: dict[str, set[str]] = {}
        for d in self.docs.values():
            d["places"] = places_of(d["region"] or "", d["issuer"] or "")  # 东莞市第一中学 → (东莞,)
            region_places.setdefault(d["region"], set()).update(d["places"])
            region_places[d["region"]].update(committees_of(d["region"] or "", d["issuer"] or ""))
        self.df = self.store.knowledge.token_document_frequency()
        self.regions = sorted({d["region"] for d in self.docs.values()})
        self.doc_years = {d["year"] for d in self.docs.values() if d["year"]}
        self.corpus_years = {int(t) for t in self.df if re.fullmatch(r"(?:19|20)\d\d", t)}
        places_in_corpus = {p for p in lexicon.places() if p in self.df}
        self.document_identity.cache_clear()  # the spellings below read the new documents' identities
        self.identity_documents.cache_clear()
        self.analyzer = Analyzer(self.df, self.store.knowledge.passage_count(), self.regions, places_in_corpus, region_places,
                                 self._names_by_spelling())
        self._kind_ids: dict[tuple[str, tuple[str, ...] | None], list[int]] = {}
        self._rows: dict[int, dict] = {}
        self._recent_items: list[int] = []  # the items of the passages last asked for (see item_sentences)
        self._postings = Postings(self.store, self.df)
        self.doc_index = {key: i for i, key in enumerate(self.docs)}
        pairs = list(self.store.knowledge.passage_documents())
        self.doc_of = array("i", [-1]) * (max((pid for pid, _ in pairs), default=0) + 1)
        for pid, key in pairs:
            self.doc_of[pid] = self.doc_index[key]
        self._coverage: tuple[str, str] | None = None
        self.semantic.reset()
        self.reload_faq()

    def _names_by_spelling(self) -> dict[str, tuple[str, ...]]:
        """Pinyin → the documents' own name words (title and issuer words of two to four characters that
        name few documents: 柯桥, 润通, 咸安, 梓山), for English questions that write them in pinyin."""
        out: dict[str, set[str]] = {}
        for key in self.docs:
            identity = self.document_identity(key)
            # Words, and place names without their 市/区/镇 (咸安区 → 咸安: "Xian'an"; 梓山镇 → 梓山).
            words = segment.cut(identity)
            # 峪阳县 → 峪阳 too: the regex alone would take 团峪阳 out of "共青团峪阳县委员会"
            cores = [w[:-1] for w in words if len(w) >= 3 and w[-1] in PLACE_SUFFIXES]
            for word in words + cores + PLACE_CORE.findall(identity):
                if 2 <= len(word) <= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in word) \
                        and word not in lexicon.stopwords() and word not in lexicon.generic_words():
                    for spelling in pinyin.spellings(word):
                        out.setdefault(spelling, set()).add(word)
        return {s: tuple(sorted(w for w in words if self.identity_documents(w)))
                for s, words in out.items() if any(self.identity_documents(w) for w in words)}

    def reload_faq(self) -> None:
        """Re-read the FAQ entries (after a build, an import or an admin's edit)."""
        self.faq = FaqIndex(self.store, self.embedder)
        self._version = self.store.knowledge.version()
        self._checked = time.monotonic()
        self.mentions_year.cache_clear()
        self._doc_tokens: dict[str, tuple[tuple[int, frozenset[str]], ...]] = {}
        self._sentences: dict[int, tuple[tuple[int, str], ...]] = {}
        self.document_identity.cache_clear()
        self.identity_documents.cache_clear()

    def dense(self) -> DenseIndex | None:
        """The passages' vectors (built on first use), or None when the semantic layer is off."""
        return self.semantic.index(self.doc_index)

    def query_vector(self, text: str) -> np.ndarray | None:
        """A question's vector (cached), or None when the semantic layer is off."""
        return self.semantic.query_vector(text)

    def passage_vectors(self, ids: list[int]) -> dict[int, np.ndarray]:
        """The vectors of these passages ({} when the semantic layer is off)."""
        index = self.dense()
        return index.vectors(ids) if index is not None else {}

    def passages(self, ids: list[int]) -> dict[int, dict]:
        """Passage rows (with their item's labels) by id; rows are immutable until the next ingest."""
        missing = [i for i in ids if i not in self._rows]
        if missing:
            if len(self._rows) > ROW_CACHE:
                self._rows.clear()
            self._rows.update(self.store.knowledge.passages_by_id(missing))
        found = {i: self._rows[i] for i in ids if i in self._rows}
        self._recent_items = [r["item_id"] for r in found.values() if r["item_id"]]
        return found

    def postings(self, token: str) -> array:
        """The passage ids holding a token (knowledge/postings.py keeps them)."""
        return self._postings.many([token])[token]

    def postings_many(self, tokens: list[str]) -> dict[str, array]:
        """The passage ids of each of a question's tokens, the uncached ones read in one go."""
        return self._postings.many(tokens)

    def document_tokens(self, doc_key: str) -> tuple[tuple[int, frozenset[str]], ...]:
        """Each passage of a document with its token set (for questions restricted to a few documents)."""
        return self.documents_tokens([doc_key])[doc_key]

    def documents_tokens(self, doc_keys: list[str]) -> dict[str, tuple[tuple[int, frozenset[str]], ...]]:
        """`document_tokens` of several documents, the uncached ones read in one query (a question about a
        dozen documents cost a dozen round trips on PostgreSQL); kept until the index changes."""
        cache = self._doc_tokens
        missing = [k for k in dict.fromkeys(doc_keys) if k not in cache]
        if missing:
            if len(cache) + len(missing) > DOC_TOKEN_CACHE:
                cache.clear()
            for key, rows in self.store.knowledge.document_tokens_many(missing).items():
                cache[key] = tuple((pid, frozenset(tokens.split())) for pid, tokens in rows)
        return {k: cache[k] for k in doc_keys}

    @lru_cache(maxsize=4096)
    def document_identity(self, doc_key: str) -> str:
        """A document's title and issuer as the passages' match text is written (compact, normalised)."""
        doc = self.docs.get(doc_key) or {}
        return compact(f"{doc.get('title') or ''} {doc.get('issuer') or ''}")

    @lru_cache(maxsize=4096)
    def identity_documents(self, word: str) -> frozenset[str]:
        """The documents whose title or issuer holds a word that tells them from most others (团费收缴,
        咸安实验中学) — none for a word naming every document's kind (委员会, 通知, 工作要点)."""
        keys = frozenset(key for key in self.docs if word in self.document_identity(key))
        return keys if len(keys) <= max(2, len(self.docs) * IDENTITY_SHARE) else frozenset()

    def item_sentences(self, item_id: int) -> tuple[tuple[int, str], ...]:
        """(position, sentence) of every passage of an item, in order. A miss reads the items of the
        passages last fetched too (a question's candidates), in one query: the answer checks several
        of them, and on PostgreSQL each query is a round trip."""
        got = self._sentences.get(item_id)
        if got is None:
            if len(self._sentences) > SENTENCE_CACHE:
                self._sentences.clear()
            wanted = list(dict.fromkeys([item_id, *(i for i in self._recent_items if i not in self._sentences)]))
            read = self.store.knowledge.item_sentences_many(wanted)
            for i in wanted:
                self._sentences[i] = tuple(read.get(i, ()))
            got = self._sentences[item_id]
        return got

    def passages_of_kind(self, kind: str, doc_keys: list[str] | None) -> list[int]:
        key = (kind, tuple(doc_keys) if doc_keys else None)
        if key not in self._kind_ids:
            self._kind_ids[key] = self.store.knowledge.passages_of_kind(kind, doc_keys, limit=50)
        return self._kind_ids[key]

    @lru_cache(maxsize=256)
    def mentions_year(self, doc_key: str, years: tuple[int, ...] | list[int]) -> bool:
        return any(self.store.knowledge.document_mentions(doc_key, str(y)) for y in years)

    def coverage(self, english: bool = False) -> str:
        """What the documents cover, for a decline: 东莞（2017）、宁波（2019）… (or in English)."""
        if self._coverage is None:  # built on the first decline: the English names need the glossary
            self._coverage = self._describe_coverage()
        return self._coverage[english]

    def _describe_coverage(self, most: int = 12) -> tuple[str, str]:
        from knowledge.answer import english_name

        seen: dict[str, set[int]] = {}
        for d in self.docs.values():
            seen.setdefault(d["region"], set()).add(d["year"])
        regions = sorted(seen)
        zh = [f"{r}（{'、'.join(str(y) for y in sorted(seen[r]) if y)}）" for r in regions]
        en = sorted(f"{english_name(r)} ({', '.join(str(y) for y in sorted(seen[r]) if y)})" for r in regions)
        more = len(regions) > most
        return ("、".join(zh[:most]) + (f" 等{len(zh)}个地区" if more else ""),
                "; ".join(en[:most]) + (f" and {len(en) - most} more regions" if more else ""))

    def search(self, question: str, region: str | None = None) -> Result:
        return search(self, self.analyzer.analyze(question, region), region)

    def ask(self, question: str, region: str | None = None) -> Answer:
        """FAQ first (question-to-question), then the passages; the same decline rules for both."""
        self.refresh()
        q = self.analyzer.analyze(question, region)
        faq_first = q.lang == "zh" and not out_of_scope(self, q)
        if faq_first:
            match = self.faq.match(question)
            if match and match.similarity >= FAQ_ANSWER and not self._contradicts(q, match):
                answer = self._faq_answer(match, q, region)
                if answer is not None:
                    return answer
        result = search(self, q, region)
        if faq_first:
            qvec = None
            if self.semantic.available and not settled(result):
                # Neither the FAQ's words nor the passages are sure: a paraphrase of an FAQ question?
                # (The confident paths above never wait for the model; the search's question vector is reused.)
                qvec = result.qvec if result.qvec is not None else self.query_vector(question.strip())
            # An admin's entry that answers as well as the best passage is preferred (by words and meaning:
            # the model is asked only when an entry's words compete).
            vector = (lambda: qvec) if qvec is not None else (lambda: self.query_vector(question.strip()))
            curated = best_curated(self, q, result.best if result.decision != "decline" else 0.0, vector)
            answer = self._faq_answer(curated, q, region) if curated else None
            if answer is not None:
                return answer
        if faq_first and qvec is not None:
            match = self.faq.match_vector(qvec, question)
            if match and self._contradicts(q, match):
                match = None  # found by meaning, but about 入团 where the question asks 入党
            answer = self._faq_answer(match, q, region) if match else None
            if answer is not None:
                return answer
        return compose(self, result, region)

    def _faq_text(self, match: FaqMatch) -> str:
        """An FAQ entry's question and answer (its own, or its source sentences)."""
        entry = self.faq.entries[match.entry_id]
        sources = self.faq.sources.get(match.entry_id, [])
        rows = self.passages([s["passage_id"] for s in sources if s["passage_id"]])
        return " ".join([entry["question"], entry.get("answer") or ""] + [r["text"] for r in rows.values()])

    def _contradicts(self, q: Query, match: FaqMatch) -> str:
        """The question's word an FAQ entry answers for something else (入团 for 入党, 2017 for 2018), or
        "?" when none of its source passages could hold the answer (a number asked, none written)."""
        word = answerable.contradicts(q, self._faq_text(match), self._faq_years(match))
        if word:
            return word
        sources = self.faq.sources.get(match.entry_id, [])
        rows = self.passages([s["passage_id"] for s in sources if s["passage_id"]])
        return "" if answerable.sources_hold(self, q, list(rows.values())) else "?"

    def _faq_years(self, match: FaqMatch) -> tuple[int, ...]:
        """The years of the documents an FAQ entry was made from (none for an admin's own entry)."""
        sources = self.faq.sources.get(match.entry_id, [])
        rows = self.passages([s["passage_id"] for s in sources if s["passage_id"]])
        return tuple(sorted({self.docs[r["doc_key"]]["year"] for r in rows.values()
                             if r["doc_key"] in self.docs and self.docs[r["doc_key"]]["year"]}))

    def _faq_answer(self, match: FaqMatch, q: Query, region: str | None) -> Answer | None:
        entry = self.faq.entries[match.entry_id]
        if entry["kind"] == "curated" or entry.get("answer"):
            return curated_answer(entry, match.similarity)
        sources = [s for s in self.faq.sources.get(match.entry_id, []) if not q.regions or s["region"] in q.regions]
        rows = self.passages([s["passage_id"] for s in sources if s["passage_id"]])
        leads: dict[int, Hit] = {}
        for pid, row in rows.items():
            hit = Hit(pid, row, self.docs[row["doc_key"]], match.similarity)
            if row["item_id"] in leads:
                leads[row["item_id"]].siblings.append(hit)
            else:
                leads[row["item_id"]] = hit
        if not leads:
            return None
        hits = sorted(leads.values(), key=lambda h: (h.region != region, h.pid))
        answer = compose(self, Result(q, "answer", hits, best=match.similarity), region)
        answer.decision = "faq"
        return answer

    def answer_passage(self, pid: int) -> Answer | None:
        """The answer for one chosen passage (a "did you mean" choice)."""
        row = self.store.knowledge.passages_by_id([pid]).get(pid)
        if row is None:
            return None
        hit = Hit(pid, row, self.docs[row["doc_key"]], 1.0)
        return compose(self, Result(Query(raw="", norm=""), "answer", [hit], best=1.0))

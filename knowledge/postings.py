"""The posting lists a running bot keeps in memory: token → the ids of the passages holding it, in a
bounded LRU (questions reuse words), read from the store many tokens at a time.

On PostgreSQL a posting list read on demand visits one table row per passage (~8 µs each: 50 ms for a
question's 6,000 ids at 100k passages), so at start the cache is filled with the rarest tokens' lists
in one pass (rare tokens are the ones questions read: candidates take the most informative first).
SQLite's FTS5 doclists are read in-process (~1 µs a row) and need no warming.
"""
from __future__ import annotations

from array import array
from collections import Counter, OrderedDict

POSTINGS_CACHE = 2_000_000  # passage ids of recently used tokens' posting lists (8 MB)


class Postings:
    """One knowledge base's posting lists (rebuilt with it after an ingest)."""

    def __init__(self, store, df: dict[str, int], size: int = POSTINGS_CACHE):
        self.store, self.size = store, size
        self._lists: OrderedDict[str, array] = OrderedDict()
        self.held = 0  # passage ids in the cache
        self._warm(df)

    def _warm(self, df: dict[str, int]) -> None:
        """Every token of the lowest frequencies whose lists fit together, in one read (PostgreSQL)."""
        used, max_df = 0, 0
        for n, tokens in sorted(Counter(df.values()).items()):  # every token of a frequency, or none
            if used + n * tokens > self.size:
                break
            used, max_df = used + n * tokens, n
        lists = sorted(self.store.knowledge.rare_token_postings(max_df), key=lambda tl: -len(tl[1]))
        for token, ids in lists:  # most common first: the LRU drops those before the rare ones
            self._lists[token] = array("i", ids)
            self.held += len(ids)

    def many(self, tokens: list[str]) -> dict[str, array]:
        """The lists of a question's tokens: those not cached are read together (on PostgreSQL one round
        trip to the server for all of them, not one per token)."""
        out: dict[str, array] = {}
        for token in tokens:
            ids = self._lists.get(token)
            if ids is not None:
                self._lists.move_to_end(token)
                out[token] = ids
        missing = [t for t in tokens if t not in out]
        if missing:
            for token, found in self.store.knowledge.token_postings_many(missing).items():
                out[token] = ids = array("i", found)
                self._lists[token] = ids
                self.held += len(ids)
            while self.held > self.size and len(self._lists) > 1:
                _, old = self._lists.popitem(last=False)
                self.held -= len(old)
        return out

"""Word segmentation with jieba, set up once: a trimmed main dictionary plus the league lexicon.

jieba's full dictionary (349k words) takes ~1.3 s to load even from its cache; the words that occur
at least 20 times in its source corpus (80k) load in ~0.3 s and segment plan texts just as well once
the league terms, place names and synonyms are added. The index and the questions are tokenised by
the same functions, so they always agree.
"""
from __future__ import annotations

import bisect
import logging
import os
import re
import sys
import threading
import zlib
from array import array
from functools import lru_cache
from pathlib import Path

if "pkg_resources" in sys.modules:
    import jieba
else:  # jieba 0.42 imports pkg_resources (~0.2 s of every start) only to open its own files, and opens
    sys.modules["pkg_resources"] = None  # them by path when that import fails
    try:
        import jieba
    finally:
        del sys.modules["pkg_resources"]

from knowledge import lexicon
from knowledge.normalize import normalize

log = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

MIN_FREQ = 20
_lock = threading.Lock()
_ready = False
_WORD = re.compile(r"[\w%]")  # a token must hold a letter, digit or CJK character
_FTS_PART = re.compile(r"[^\W_]+")  # what unicode61 keeps of a token: letters and digits


def _trimmed_dictionary(cache_dir: Path) -> Path:
    source = Path(jieba.__file__).parent / "dict.txt"
    target = cache_dir / f"jieba-dict-{MIN_FREQ}.txt"
    if not target.exists() or target.stat().st_mtime < source.stat().st_mtime:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        with source.open(encoding="utf-8") as src, tmp.open("w", encoding="utf-8") as out:
            for line in src:
                parts = line.split()
                if len(parts) >= 2 and (int(parts[1]) >= MIN_FREQ or len(parts[0]) == 1):
                    out.write(line)
        os.replace(tmp, target)
    return target


def setup(cache_dir: str | Path = "data") -> None:
    """Load jieba once per process (idempotent, thread-safe)."""
    global _ready
    if _ready:
        return
    with _lock:
        if _ready:
            return
        cache = Path(cache_dir)
        jieba.set_dictionary(str(_trimmed_dictionary(cache)))
        jieba.dt.tmp_dir = str(cache)
        jieba.dt.cache_file = f"jieba-{MIN_FREQ}.cache"
        jieba.initialize()
        if lexicon.userdict_path().exists():
            jieba.load_userdict(str(lexicon.userdict_path()))
        words = list(lexicon.places()) + [w for w in lexicon.synonym_groups() if 2 <= len(w) <= 12]
        words += [w for w in lexicon.contrast_groups() if 2 <= len(w) <= 12]  # 团员证 is not 团员 + 证
        for word in words:
            if jieba.dt.FREQ.get(word, 0) < 1000:
                jieba.add_word(word, freq=2000)
        _ready = True


def general_frequency(word: str) -> int:
    """The word's frequency in jieba's dictionary: exact for the words loaded, 1 for the rare ones the
    trimmed dictionary left out, 0 when it is not a dictionary word at all."""
    setup()
    freq = jieba.dt.FREQ.get(word)
    if freq:
        return freq
    hashes = _rare_word_hashes()
    h = zlib.crc32(word.encode("utf-8"))
    i = bisect.bisect_left(hashes, h)
    return 1 if i < len(hashes) and hashes[i] == h else 0


@lru_cache(maxsize=1)
def _rare_word_hashes() -> array:
    """CRC32s of the ~270k dictionary words with freq < MIN_FREQ, sorted (1 MB instead of a 50 MB
    dict; a false hit is one in ~16,000). Cached next to jieba's own cache."""
    source = Path(jieba.__file__).parent / "dict.txt"
    cache = Path(jieba.dt.tmp_dir or ".") / f"jieba-rare-{MIN_FREQ}.crc32"
    if cache.exists() and cache.stat().st_mtime >= source.stat().st_mtime:
        out = array("I")
        out.frombytes(cache.read_bytes())
        return out
    hashes = set()
    with source.open(encoding="utf-8") as src:
        for line in src:
            word, freq, *_ = line.split()
            if int(freq) < MIN_FREQ:
                hashes.add(zlib.crc32(word.encode("utf-8")))
    out = array("I", sorted(hashes))
    try:
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(out.tobytes())
        os.replace(tmp, cache)
    except OSError:
        pass  # a read-only data folder only costs the rebuild next time
    return out


def is_token(token: str) -> bool:
    return bool(token.strip()) and bool(_WORD.search(token))


def cut(text: str) -> list[str]:
    """Precise-mode words of already-normalised text (what a question's terms are made of)."""
    setup()
    return [t for t in jieba.cut(text, HMM=True) if is_token(t)]


def search_tokens(text: str) -> list[str]:
    """Search-mode tokens (words plus their dictionary sub-words), lower-cased: what FTS indexes."""
    setup()
    return [t.lower() for t in jieba.cut_for_search(text, HMM=True) if is_token(t)]


@lru_cache(maxsize=65536)
def word_tokens(word: str) -> tuple[str, ...]:
    """search_tokens() of one short word or phrase, cached: questions reuse the same terms."""
    return tuple(search_tokens(word))


def with_chunks(tokens: list[str] | tuple[str, ...]) -> list[str]:
    """Tokens plus the 2-character chunks of long ones jieba could not split (牵手关爱 → 牵手, 关爱):
    most league compounds are two words of two characters, and a question may use just one."""
    out = list(tokens)
    for tok in tokens:
        if len(tok) >= 4 and not tok.isascii():
            out += [tok[i:i + 2] for i in range(0, len(tok) - 1, 2)] + [tok[-2:]]
    return list(dict.fromkeys(out))


@lru_cache(maxsize=65536)
def fts_tokens(word: str) -> tuple[str, ...]:
    """word_tokens() as FTS5's unicode61 tokenizer will have stored them ("30%" is indexed as "30")."""
    return tuple(dict.fromkeys(part for tok in with_chunks(word_tokens(word)) for part in _FTS_PART.findall(tok)))


def index_text(text: str) -> str:
    """The FTS column for a passage: its search tokens (and chunks of long ones) joined by spaces."""
    return " ".join(with_chunks(search_tokens(normalize(text))))

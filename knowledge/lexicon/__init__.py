"""The lexicon: jieba user dictionary, synonyms, stopwords, English glossary and place names.

All of it is data in this folder (one file each, formats in their headers); this module only loads
it, once, and answers lookups.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from knowledge.normalize import normalize_simplified as normalize  # lexicon files are Simplified

HERE = Path(__file__).parent
log = logging.getLogger(__name__)

# The regions the corpus may name that are not prefecture-level places: the county committee plan.
ORG_REGIONS = ("团县委", "团区委")


def _lines(name: str) -> list[str]:
    path = HERE / name
    if not path.exists():
        log.warning("lexicon file %s is missing", path)
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return frozenset(normalize(w) or w for w in _lines("stopwords.txt"))


@lru_cache(maxsize=1)
def filler_pattern() -> re.Pattern | None:
    """Small talk and hedges to cut from a question before it is analysed."""
    phrases = sorted((normalize(p) for p in _lines("fillers.txt")), key=len, reverse=True)
    return re.compile("|".join(re.escape(p) for p in phrases if p)) if phrases else None


@lru_cache(maxsize=1)
def generic_words() -> frozenset[str]:
    """Words that count for a third: used everywhere in plans and in the framing of questions."""
    return frozenset(normalize(w) or w for w in _lines("generic.txt"))


def userdict_path() -> Path:
    return HERE / "userdict.txt"


@lru_cache(maxsize=1)
def user_terms() -> tuple[str, ...]:
    return tuple(line.split()[0] for line in _lines("userdict.txt"))


@dataclass(frozen=True)
class Place:
    name: str
    kind: str
    province: str


@lru_cache(maxsize=1)
def places() -> dict[str, Place]:
    out: dict[str, Place] = {}
    for line in _lines("places.txt"):
        parts = line.split("\t")
        if len(parts) >= 2 and len(parts[0]) >= 2:
            out[parts[0]] = Place(parts[0], parts[1], parts[2] if len(parts) > 2 else "")
    return out


@lru_cache(maxsize=1)
def _place_pattern() -> re.Pattern:
    names = sorted(places(), key=len, reverse=True)
    return re.compile("|".join(re.escape(n) for n in names))


def find_places(text: str) -> list[str]:
    """Place names in a text, longest match first, in order of appearance."""
    return [m.group(0) for m in _place_pattern().finditer(text)]


def region_of(text: str) -> str:
    """The city (or county committee) a title, issuer or document number belongs to; "" if none."""
    if not text:
        return ""
    for found in find_places(text):
        place = places()[found]
        if place.kind in ("city", "county", "district", "sar"):
            return found
    for org in ORG_REGIONS:
        if text.startswith(org):
            return org
    m = re.match(r"(\w)团\w{0,2}〔", text)  # a document number: 甬团〔2019〕1号, 穗团发〔2020〕3号
    if m:
        return abbreviations().get(m.group(1), "")
    return ""


@lru_cache(maxsize=1)
def abbreviations() -> dict[str, str]:
    """One-character city abbreviations of document numbers (甬 → 宁波)."""
    return dict(line.split("\t", 1) for line in _lines("abbreviations.txt") if "\t" in line)


@lru_cache(maxsize=1)
def synonym_groups() -> dict[str, frozenset[str]]:
    """Each word (canonical or variant) → the set of words it may stand for (itself included)."""
    groups: dict[str, set[str]] = {}
    for line in _lines("synonyms.txt"):
        if ":" not in line and "：" not in line:
            continue
        canonical, _, variants = line.replace("：", ":").partition(":")
        words = [normalize(canonical)] + [normalize(v) for v in variants.split()]
        words = [w for w in words if w]
        for w in words:
            groups.setdefault(w, set()).update(words)
    return {w: frozenset(g) for w, g in groups.items()}


@lru_cache(maxsize=1)
def contrast_groups() -> dict[str, tuple[str, ...]]:
    """Each word of contrasts.txt → the other words of its groups (入党 → 入团, 入队)."""
    out: dict[str, list[str]] = {}
    for line in _lines("contrasts.txt"):
        words = [normalize(w) for w in line.split() if w]
        for w in words:
            out.setdefault(w, []).extend(x for x in words if x != w and x not in out[w])
    return {w: tuple(others) for w, others in out.items()}


@lru_cache(maxsize=1)
def synonym_canonical() -> dict[str, str]:
    """Each word → one representative of all the words it is (transitively) synonymous with."""
    parent: dict[str, str] = {}

    def find(w: str) -> str:
        while parent.setdefault(w, w) != w:
            parent[w] = parent[parent[w]]
            w = parent[w]
        return w

    for word, group in synonym_groups().items():
        for other in group:
            a, b = find(word), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {w: find(w) for w in parent}


@lru_cache(maxsize=1)
def glossary() -> dict[str, tuple[str, ...]]:
    """English phrase (lower case, singular) → Chinese renderings."""
    out: dict[str, tuple[str, ...]] = {}
    for line in _lines("en_zh.tsv"):
        if "\t" not in line:
            continue
        en, zh = line.split("\t", 1)
        en = " ".join(singular(w) for w in en.lower().split())
        renderings = tuple(normalize(z) for z in zh.split() if z.strip())
        if en and renderings:
            out[en] = tuple(dict.fromkeys(out.get(en, ()) + renderings))
    return out


@lru_cache(maxsize=1)
def glossary_longest() -> int:
    """The most words in a glossary phrase (how far ahead the English matcher looks)."""
    return max((len(k.split()) for k in glossary()), default=1)


def singular(word: str) -> str:
    """A crude English singular, enough to look plural nouns up in the glossary."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word

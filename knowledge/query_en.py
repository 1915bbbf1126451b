"""English questions: the words and phrases of a question in English as terms the Chinese passages hold.

The glossary (knowledge/lexicon) renders league vocabulary (league member → 团员); a region named in
English becomes that region; a document's own name in pinyin (Keqiao) becomes its Chinese form; CC-CEDICT
renders the rest into words the documents use (lunch → 午餐). knowledge/query.py calls `analyze_english`
for a question `is_english` says is English.
"""
from __future__ import annotations

import re

from knowledge import cedict, lexicon
from knowledge.lexicon import singular
from knowledge.normalize import normalize
from knowledge.query import ASCII_WORD, GENERIC_FACTOR, YEAR_RE, Analyzer, Query, Term, intents_of, units_of

EN_UNKNOWN_FACTOR = 0.2  # an English word the glossary lacks: counted, lightly
CEDICT_FACTOR = 0.6  # a dictionary rendering counts for less than a glossary term: it may be another sense
CEDICT_RENDERINGS = 3
EN_STOP = frozenset("""a an the of in on at to for from by with and or is are was were be been being do does did
what which who whom whose when where why how many much that this these those it its as into about there their
they them will would should shall can could may might must has have had any some all each every his her our your
my we you i me us than then so such not no yes also just only very more most other one under over per via
league's plan plans document documents say says said mention mentions mentioned according name named called
call kind type sort""".split())


CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
EVERY = frozenset("each every per all other".split())
PLACE_KINDS = frozenset("county district city town township province street subdistrict village".split())


def is_english(text: str) -> bool:
    letters = sum(ch.isalpha() for ch in text)
    ascii_letters = sum(ch.isascii() and ch.isalpha() for ch in text)
    return letters > 0 and ascii_letters / letters > 0.7


def english_variants(word: str) -> list[str]:
    """helping → help, educating → educate, organised → organise, studies → study: glossary look-ups."""
    out = [word]
    for suffix, repl in (("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"), ("d", ""), ("es", ""), ("ies", "y"),
                         ("ation", "e"), ("ation", ""), ("al", ""), ("ly", "")):
        # a stem shorter than four letters is a different word: apply → app, really → real is fine
        if word.endswith(suffix) and len(word) - len(suffix) >= (4 if suffix in ("ly", "al") else 3):
            out.append(word[: -len(suffix)] + repl)
    return out


def analyze_english(an: Analyzer, raw: str) -> Query:
    """An English question: glossary phrases (their Chinese renderings), region names, the documents' own
    names in pinyin, then CC-CEDICT for the rest; an unknown word still counts, lightly."""
    low = " ".join(raw.lower().replace("’", "'").split())
    q = Query(raw=raw, norm=low, lang="en", intents=intents_of(low), units=units_of(low))
    for m in YEAR_RE.finditer(low):
        q.years.append(int(m.group(1)))
    gloss = lexicon.glossary()
    words = [w if w in EN_STOP else singular(w) for w in (re.sub(r"'s?$", "", x) for x in ASCII_WORD.findall(low))]
    i, terms = 0, {}
    longest = lexicon.glossary_longest()
    while i < len(words):
        for size in range(min(longest, len(words) - i), 0, -1):
            phrase = " ".join(words[i:i + size])
            if size == 1:
                phrase = next((v for v in english_variants(phrase) if v in gloss), phrase)
            if phrase in gloss and phrase not in EN_STOP:  # must, may …: no content of their own
                renderings = gloss[phrase]
                region = next((an._region_for(r) for r in renderings if an._region_for(r)), None)
                if region and i and words[i - 1] in EVERY:
                    i += size  # "each county", "every city": any of them, not the region so named
                    break
                if region:
                    if region not in q.regions:
                        q.regions.append(region)
                else:
                    weight = an.term_weight(renderings[0])[0]
                    if renderings[0] in lexicon.generic_words():
                        weight *= GENERIC_FACTOR
                    terms[phrase] = Term(phrase, renderings, weight)
                i += size
                break
        else:
            word = words[i]
            spelled = an.names_by_spelling.get(word.replace("'", "").replace("-", ""))
            if spelled and word not in EN_STOP:
                # A document's name written in pinyin (Keqiao, Runtong, Xian'an): its Chinese form.
                terms.setdefault(word, Term(word, spelled, an.term_weight(spelled[0])[0]))
                # "Yuyang county", "Keqiao district": the place's own kind, not a region of its own
                # (the glossary's bare "county" is the bundled 团县委).
                i += 2 if i + 1 < len(words) and words[i + 1] in PLACE_KINDS else 1
                continue
            if word not in EN_STOP and not word.isdigit() and len(word) > 2:
                found = dictionary_term(an, words, i) if CEDICT_FACTOR else None
                if found:
                    term, size = found
                    terms.setdefault(term.text, term)
                    i += size
                    continue
                # An English word the glossary lacks: it counts, but for less than a known term.
                terms.setdefault(word, Term(word, (word,), an.idf_max * EN_UNKNOWN_FACTOR))
            i += 1
    # The document's own words written into the English (… rated 'basically qualified' (基本合格) …):
    # the surest terms of all.
    chinese = " ".join(CJK_RUN.findall(raw))
    if chinese:
        for term in an._terms(normalize(chinese)):
            terms.setdefault(term.text, term)
    q.terms = list(terms.values())
    return q


def dictionary_term(an: Analyzer, words: list[str], i: int) -> tuple[Term, int] | None:
    """An English word or phrase the glossary lacks, rendered through CC-CEDICT into words the
    documents use (lunch → 午餐, allowance → 补贴): the longest phrase from words[i] that renders."""
    for size in range(min(3, len(words) - i), 0, -1):
        if words[i + size - 1] in EN_STOP:
            continue
        phrase = " ".join(words[i:i + size])
        for variant in ([phrase] if size > 1 else english_variants(phrase)):
            known = [r for r in (normalize(c) for c in cedict.renderings(variant)) if len(r) > 1 and r in an.df]
            if known:
                known.sort(key=lambda r: (-an.df[r], r))  # the usual word first
                alts = tuple(known[:CEDICT_RENDERINGS])
                return Term(phrase, alts, an.idf(alts[0]) * CEDICT_FACTOR), size
    return None

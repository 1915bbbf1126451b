"""Understand a question: its language, the regions and years it names, its intent and its terms.

Terms carry the forms a passage may use for them (synonyms, glossary renderings) and a weight from
the index's document frequencies, so a rare league term counts for more than 工作 or 青年.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Iterable

from knowledge import lexicon, segment
from knowledge.normalize import normalize

YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*(?:年度|年)?")
DOC_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年?度?(?![底前内初末中])[^，。,?？!！\d底前]{0,6}?(?:工作要点|工作计划|要点|计划|文件|通知)")
QUOTED = re.compile(r'"([^"]{2,20})"|《([^》]{2,40})》')
ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z\-]*(?:'[A-Za-z]+)?")

INTENT_CUES = {
    "date": r"什么时候|啥时候|哪天|哪一天|何时|几号|几点|日期|(?<!长)时间|截止|几月|最晚|最迟|[周星期礼拜]几|"
            r"\bwhen\b|\bdate\b|deadline|\bby what time\b",
    "duration": r"多久|多长时间|多长|期限|how long",
    "number": r"多少|几|比例|占比|百分之|how many|how much|percent|number",
    "money": r"多少钱|金额|(?:交|发|给|拿|补|领)多少(?=钱|$|[？?，,])|多少(?:[团党会]?费|经费|资金|资助|补贴|工资|奖金)|"
             r"(?:费|经费|资金|资助|补贴|工资|奖金|保额)(?:用|标准)?(?:是|要|交|有|发)?多少|how much money|amount of money|\bfee\b|\bcost\b",
    "contact": r"电话|地址|邮编|邮箱|联系方式|联系人(?!数)|怎么联系|找谁|手机|举报|办公(?!室)|在哪里|哪个区|在哪儿|备案|"
               r"phone|address|postcode|e-?mail|contact",
    "docnumber": r"文号|发文字号|几号文|document number|[〔\[]\d{4}[〕\]]\d+号",
    "document": r"文件|通知|要点|印发|发布|发文|下发|出台|落款|签发|挂到网上|\bissued?\b|\bpublish|\bsent out\b|\breleased?\b",
    "how": r"怎么做|如何|怎样|怎么搞|怎么开展|做法|措施|什么要求|哪些要求|具体|怎么安排|怎么帮|"
           r"how do|how does|how is|how are|how will|what measures",
}
INTENT_RE = {name: re.compile(pattern) for name, pattern in INTENT_CUES.items()}
# "How many <unit>": the answer must name that unit (几岁 → 岁, 几年 → 年, 多少字 → 字). Chinese numerals count.
_NUM = r"(?:\d+(?:\.\d+)?|[一二两三四五六七八九十百千半]+)"
UNIT_CUES = {
    "age": (r"几岁|多少岁|多大年[纪龄]|年龄|满多少(?=周?岁|$|[？?])|how old|what age", r"岁"),
    "years": (r"几年|多少年|how many years", _NUM + r"\s*(?:个)?(?:年|学年)(?!级|度)"),
    "times": (r"几次|多少次|几回|多少回|how many times|how often", _NUM + r"\s*(?:次|场|回|轮|期)|每(?:年|月|周|季度|学期)"),
    "people": (r"多少人|几个人|几人|几名|多少名|how many people", _NUM + r"\s*(?:人|名)|[几一半][分之]|\d+%|分之|半数|过半|一半|全体"),
    "days": (r"几天|多少天|how many days", _NUM + r"\s*(?:天|日|个工作日|周|星期)"),
    "hours": (r"几个小时|多少小时|几小时|多少学时|几学时|多少个学时|how many hours", _NUM + r"\s*(?:个)?(?:小时|学时|课时)"),
    "words": (r"多少字|几个字|how many words", _NUM + r"\s*字"),
    "lessons": (r"几节|多少节", _NUM + r"\s*(?:节|课时|讲)"),  # a 课时 or a 讲 is one lesson
    # "哪年成立": a year, not any date ("探索成立" names none)
    "year": (r"哪[一1]?年(?![级度龄])|几几年|什么年份|哪个年份|which year|what year", r"(?:19|20)\d{2}|[今明去前]年"),
    # a means of contact asked for by name: a line without it does not answer (a phone is not a fax)
    "fax": (r"传真|\bfax\b", r"传真|\bfax\b"),
    "postcode": (r"邮编|邮政编码|postcode|zip code", r"邮编|邮政编码|(?<!\d)\d{6}(?!\d)"),
}
UNIT_RE = {name: (re.compile(cue), re.compile(unit)) for name, (cue, unit) in UNIT_CUES.items()}
# How much a question word counts, as a share of its idf (term_weight, unknown_factor, _terms):
OOV_FACTOR = 0.6  # a content word no passage contains (番茄, 汇率): it pushes towards a decline
SINGLE_CHAR_FACTOR = 0.5  # a one-character word the index knows (团, 费): often part of a longer one
SHAPE_UNKNOWN = 0.15  # an unknown counting word or short HMM glue (三个, 组了): the shape, not the content
SHAPE_FACTOR = 0.3  # a counting word or an asked unit (哪两项, 几|月份, 多少|学时)
UNKNOWN_SINGLE = 0.3  # an unknown everyday single character (来, 走)
COMMON_UNKNOWN = 0.2  # an unknown word that is frequent in general Chinese (jieba frequency ≥ COMMON_FREQUENCY)
COMMON_FREQUENCY = 20000
ASKING = frozenset(("几", "多少", "哪", "哪一", "第几"))
ASKED_UNIT = re.compile(r"月份|月|年|年度|天|日|号|周|星期|小时|个小时|分钟|学时|课时|次|回|场|人|名|元|岁|周岁|个月|届|批")
COUNTING = re.compile(r"[哪几第\d一二两三四五六七八九十]+[个项样类种条件次批届名位点些大]")
GENERIC_FACTOR = 0.35
SPLIT_VERB = re.compile(r"[\u4e00-\u9fff]了[\u4e00-\u9fff]")
SELF_CUES = ("我们", "我市", "本市", "我县", "本县", "咱们", "咱市", "我区", "本区", "本地", "our city", "our county")
# "Here, where I am": a question about the asker's own place, which no document may cover.
PLACE_SELF_CUES = ("我市", "本市", "我县", "本县", "咱市", "我区", "本区", "本地", "我们市", "我们县", "我们区",
                   "我们这", "咱们这", "我们当地", "our city", "our county")



@dataclass(frozen=True)
class Term:
    text: str
    alts: tuple[str, ...]  # forms that count as this term in a passage (compact, normalised)
    weight: float
    fuzzy: bool = False  # unknown to the index: a near match (typo, homophone) counts partly


@dataclass
class Query:
    raw: str
    norm: str
    lang: str = "zh"
    terms: list[Term] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)  # corpus regions named in the question
    years: list[int] = field(default_factory=list)
    doc_years: list[int] = field(default_factory=list)  # "2019年工作要点": a document's year
    unknown_places: list[str] = field(default_factory=list)
    intents: frozenset[str] = frozenset()
    quoted: list[str] = field(default_factory=list)  # names the question quotes (“挑战杯”, 《…》), compact
    units: tuple[re.Pattern, ...] = ()  # "几岁", "几年" …: what the answer's number must be counted in
    committee: str = ""  # "团县委" named: the regions it added are every county committee's (see search)

    @property
    def total_weight(self) -> float:
        return sum(t.weight for t in self.terms)


class Analyzer:
    """Turns question text into a Query against one knowledge base's statistics."""

    def __init__(self, df: dict[str, int], n_passages: int, regions: list[str], places_in_corpus: set[str],
                 region_places: dict[str, Iterable[str]] | None = None,
                 names_by_spelling: dict[str, tuple[str, ...]] | None = None):
        self.df = df
        # The documents' own names in pinyin (keqiao → 柯桥, runtong → 润通): how English names them.
        self.names_by_spelling = names_by_spelling or {}
        self.n = max(n_passages, 1)
        self.regions = regions
        self.region_set = frozenset(regions)
        # The places each region's documents name in their issuer (东莞市第一中学 → 东莞): a question
        # or an asker naming the place is about those regions too.
        self.region_places = {r: frozenset(p) for r, p in (region_places or {}).items() if p}
        self._place_regions: dict[str, list[str]] = {}  # the same, inverted: place → regions (sorted)
        for region, names in sorted(self.region_places.items()):
            for name in names:
                self._place_regions.setdefault(name, []).append(region)
        places = lexicon.places()
        self.region_provinces = frozenset(places[r].province for r in regions if r in places and places[r].province)
        self.places_in_corpus = places_in_corpus
        self.idf_max = math.log((self.n + 1) / 0.5)

    def idf(self, token: str) -> float:
        df = self.df.get(token)
        if df is None:
            return self.idf_max
        return math.log((self.n + 1) / (df + 0.5))

    def term_weight(self, word: str) -> tuple[float, bool]:
        """(weight, known): a word's idf, or that of its best-known sub-words when jieba split it."""
        if word.lower() in self.df:
            w = self.idf(word.lower())
            return (w * SINGLE_CHAR_FACTOR if len(word) == 1 else w), True
        parts = [p for p in segment.word_tokens(word) if p != word.lower() and len(p) > 1 and p in self.df]
        if parts:
            return max(self.idf(p) for p in parts), True
        return self.idf_max * self.unknown_factor(word), False

    @staticmethod
    def unknown_factor(word: str) -> float:
        """How much a word no passage contains should count against a passage.

        Content that the documents lack (番茄, 汇率, 范文) must push a question towards a decline, but
        colloquial glue that jieba's HMM invents (组了, 提了, 办些) or everyday function words (来, 走)
        must not sink a good answer. jieba's own general-language dictionary tells them apart well
        enough: real content words are in it with a modest frequency.
        """
        if COUNTING.fullmatch(word):
            return SHAPE_UNKNOWN  # 三个, 哪几项: the shape of the answer, not its content
        freq = segment.general_frequency(word)
        if freq == 0:
            return SHAPE_UNKNOWN if len(word) <= 2 else OOV_FACTOR
        if len(word) == 1:
            return UNKNOWN_SINGLE
        return COMMON_UNKNOWN if freq >= COMMON_FREQUENCY else OOV_FACTOR

    def analyze(self, question: str, asker_region: str | None = None) -> Query:
        raw = question.strip()
        from knowledge.query_en import analyze_english, is_english  # it builds on this module's types

        if is_english(raw):
            q = analyze_english(self, raw)
        else:
            norm = normalize(raw)
            q = Query(raw=raw, norm=norm, intents=intents_of(norm), units=units_of(norm))
            fillers = lexicon.filler_pattern()
            text = fillers.sub(" ", norm) if fillers else norm
            q.terms = self._terms(self._take_places_and_years(q, text))
            q.quoted = [(m.group(1) or m.group(2)).replace(" ", "").lower() for m in QUOTED.finditer(norm)]
        if asker_region and not q.regions and any(c in q.norm for c in SELF_CUES):
            q.regions += self.regions_for(asker_region)  # "我们市…": the asker's own region, not every region
        if asker_region and not q.regions and any(c in q.norm for c in PLACE_SELF_CUES):
            q.unknown_places.append(asker_region)  # "我们这…" from a region no document covers
        return q

    def _take_places_and_years(self, q: Query, text: str) -> str:
        """Record the regions, places and years named, and blank them out of the text."""
        for m in DOC_YEAR_RE.finditer(text):
            q.doc_years.append(int(m.group(1)))
        for m in YEAR_RE.finditer(text):
            q.years.append(int(m.group(1)))
        text = YEAR_RE.sub(" ", text)
        for org in lexicon.ORG_REGIONS:
            # the plan of the region so named, and every document a county's (district's) committee issued
            regions = self.regions_for(org) if org in text else []
            if regions:
                q.regions += [r for r in regions if r not in q.regions]
                q.committee = q.committee or org
                text = text.replace(org, " ")
        for place in lexicon.find_places(text):
            regions = self.regions_for(place)
            if regions:
                seen = set(q.regions)
                q.regions += [r for r in regions if r not in seen]
                text = text.replace(place, " ")
            elif place not in self.places_in_corpus and not self._province_of_region(place):
                q.unknown_places.append(place)
                text = text.replace(place, " ")
        return text

    def _region_for(self, place: str) -> str | None:
        regions = self.regions_for(place)
        return regions[0] if regions else None

    def regions_for(self, place: str) -> list[str]:
        """The regions a place stands for: itself, and the regions whose issuer it names."""
        out = [place] if place in self.region_set else []
        out += [r for r in self._place_regions.get(place, ()) if r != place]
        if out:
            return out
        for region in self.regions if len(self.regions) < 50 else ():
            if place.startswith(region) or region.startswith(place):
                return [region]
        return []

    def _province_of_region(self, place: str) -> bool:
        return any(p.startswith(place) for p in self.region_provinces)

    def _terms(self, text: str) -> list[Term]:
        terms: dict[str, Term] = {}
        stop = lexicon.stopwords()
        groups = lexicon.synonym_groups()
        generic = lexicon.generic_words()
        spans: list[str] = []
        quoted: set[str] = set()
        # Quoted names and synonym phrases first, so jieba cannot split them.
        for m in QUOTED.finditer(text):
            name = (m.group(1) or m.group(2)).replace(" ", "")
            spans.append(name)
            quoted.add(name.lower())
            text = text.replace(m.group(0), " ")
        words = spans + [w for w in segment.cut(text)]
        for i, word in enumerate(words):
            word = word.strip().lower()
            if not word or word in stop or word in terms:
                continue
            if re.fullmatch(r"[\d.]+", word) and len(word) < 2:
                continue
            alts = tuple(sorted(groups.get(word, frozenset((word,))), key=lambda a: (a != word, a)))  # not set order: PYTHONHASHSEED
            if SPLIT_VERB.fullmatch(word) and word not in self.df:
                alts += (word[0] + word[2],)  # 报了名 → 报名, 交了费 → 交费: a verb split by 了 is the verb
            weight, known = self.term_weight(word)
            if not known and len(alts) > 1:
                weight = max(self.term_weight(a)[0] for a in alts[1:])
                known = True
            if word in generic:
                weight *= GENERIC_FACTOR
            elif COUNTING.fullmatch(word) or (i and words[i - 1] in ASKING and ASKED_UNIT.fullmatch(word)):
                weight *= SHAPE_FACTOR  # 三个, 哪两项, 几|月份, 多少|学时: the shape of the answer, not its content
            whole_unknown = word not in self.df and len(alts) == 1
            fuzzy = len(word) >= 3 and (word in quoted or not known or (whole_unknown and len(word) >= 4))
            terms[word] = Term(word, alts, weight, fuzzy=fuzzy)
        return list(terms.values())



def units_of(text: str) -> tuple[re.Pattern, ...]:
    return tuple(unit for cue, unit in UNIT_RE.values() if cue.search(text))


# "电话多少", "邮编是多少": the 多少 asks for the number one dials, not a quantity.
CONTACT_NUMBER = re.compile(r"(?:电话|号码|手机|手机号|邮编|传真)(?:号码|号)?(?:是|为)?多少")


def intents_of(text: str) -> frozenset[str]:
    return frozenset(name for name, pattern in INTENT_RE.items() if pattern.search(text))


def dials(text: str) -> bool:
    """The question's 多少 asks only for a number to dial ("是谁，电话多少"), not for a quantity."""
    return bool(CONTACT_NUMBER.search(text)) and not INTENT_RE["number"].search(CONTACT_NUMBER.sub("", text))

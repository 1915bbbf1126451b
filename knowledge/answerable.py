"""Can this passage answer this question, or does it only share its subject?

Near misses share most words with a passage and are close to it in meaning, so neither the coverage
score nor the cosine tells them apart. What does:

- **Contrast.** The passage says 入团 where the question says 入党 (团员 for 党员, 春季 for 秋季): words of
  one group of `lexicon/contrasts.txt`, the passage lacking the question's word. It states the rule
  for something else.
- **Only named in a list.** The question's rarest word is, in this passage, one item of a list
  (“创青春”“挑战杯”等大赛; 希望工程、青年文明号和“三下乡”等载体) while the question asks how, when, how
  much or whether about it: the passage names it, it does not say that.
- **Not named.** A question that asks the doer, the place, the leave, the existence, the frequency or
  the quota of a deed (由谁来任命, 去哪里复核, 还能补训吗, 有没有模板, 多久开一次支委会, 能推荐几个) is not
  answered by a passage that never names the deed: `knowledge/deeds.py`.
- **Another number.** The passage names the same thing with another number — 七年级、八年级 for the
  question's 九年级, 一星…五星 for 六星, 第二批 for 第三批: it lists the others, not the one asked about.
- **Another year.** A question about a year no answering document is of (枣庄2019年…, the plan being
  2020's) needs a passage naming that year; a deadline in it (2018年1月26日前报送) does not count.
- **A topic line.** "团员组织关系转接和团籍管理；" — one line of a course's contents — does not say how.
"""
from __future__ import annotations

import re

from knowledge import lexicon
from knowledge.normalize import normalize
from knowledge.query import Query

CONTRAST_FACTOR = 0.5  # a contrasted passage keeps half its score: it cannot answer, it may be offered
CHECKED = 8  # the best hits are checked: only they can be the answer


def contrasts(q: Query) -> list[tuple[str, tuple[str, ...]]]:
    """(question word, the words that contrast with it) for each contrast word the question holds."""
    if q.lang != "zh":
        return []
    groups = lexicon.contrast_groups()
    return [(word, tuple(w for w in others if w not in q.norm))
            for word, others in groups.items() if word in q.norm]


NUMERAL = r"(?:[一二三四五六七八九十两]|\d{1,2})"
# A numeral followed by one of these counts something (3个, 5名, 2次, 6个月): asked, not a name.
COUNTERS = set("个名位次回场年月日天周时分秒岁人元角万亿千百十份张本页条项件批届期倍号点级课学家所支米%")
NUMBERED = re.compile(rf"(第|[高初大])?({NUMERAL})([\u4e00-\u9fff]{{1,2}})?")


def numbered(q: Query) -> list[tuple[str, re.Pattern]]:
    """(the question's numbered name, a pattern for the same name with any number) — 9年级, 六星, 高一,
    第三批 — for names whose number is not a count (3个月, 5名 ask for a number, they do not name one)."""
    if q.lang != "zh":
        return []
    out = []
    for m in NUMBERED.finditer(q.norm):
        prefix, number, tail = m.group(1) or "", m.group(2), m.group(3) or ""
        if prefix in ("高", "初", "大"):
            tail = ""  # 高一, 初三: the grade is the prefix and its number
        elif prefix != "第":
            if not tail or (tail[0] in COUNTERS and not tail.startswith("年级")):
                continue
            tail = "年级" if tail.startswith("年级") else tail[:1]
        else:
            tail = tail[:1]
        name = prefix + number + tail
        if len(name) < 2:
            continue
        pattern = re.compile(re.escape(prefix) + f"(?!{re.escape(number)}(?![\\d]))" + NUMERAL + re.escape(tail))
        out.append((name, pattern))
    return out


CLAUSE = re.compile(r"[^，,；;。：:！？!?]+")
LIST_MARKS = re.compile(r"、|”“|\"\"|》《|[和及与]")
DETAIL_ASK = re.compile(r"在哪|哪里|哪儿|怎么|怎样|如何|咋|吗|(?<![什那怎])么$|没有|不[？?]?$|是否|能否|可否|\bhow (?:do|can|to|should)\b|\bcan i\b|\bdo i\b")


def asks_detail(q: Query) -> bool:
    """The question asks how, when, how much or whether about its subject (not which ones, or its name)."""
    return bool(q.intents & {"date", "duration", "money"} or q.units or DETAIL_ASK.search(q.norm.rstrip("?？")))


LIST_SPAN = 30  # the word is at most this far before the list's closing 等


def listed_only(text: str, word: str) -> bool:
    """Whether every occurrence of `word` in `text` is one item of an enumeration closed by 等 ("A、B和C等",
    "“A”“B”等"): two or more items (a list mark before the 等), the word among them."""
    found = False
    for clause in CLAUSE.finditer(text):
        part = clause.group(0)
        at = part.find(word)
        if at == -1:
            continue
        close = part.find("等", at + len(word))
        items = part[:close] if close != -1 else ""
        if close == -1 or not LIST_MARKS.search(items) or close - (at + len(word)) > LIST_SPAN:
            return False
        found = True
    return found


def contrasted(text: str, pairs: list[tuple[str, tuple[str, ...]]]) -> str:
    """The question's word that this passage text replaces by a contrasting one (入党 → 入团), or ""."""
    for word, others in pairs:
        if word not in text and any(o in text for o in others):
            return word
    return ""


def renumbered(text: str, names: list[tuple[str, re.Pattern]]) -> str:
    """The question's numbered name this passage text gives with another number (九年级 → 七年级), or ""."""
    for name, pattern in names:
        if name not in text and pattern.search(text):
            return name
    return ""


def contradicts(q: Query, text: str, doc_years: tuple[int, ...] = ()) -> str:
    """The question's word that `text` (an FAQ entry's question and answer) replaces by a contrasting or
    renumbered one, or "": an entry found by meaning must not answer 入党 with 入团, 六星 with 二星 — nor
    a question about 2018 with a 2017 plan's entry that never names 2018 (`doc_years`: its sources')."""
    text = normalize(text)
    word = contrasted(text, contrasts(q)) or renumbered(text, numbered(q))
    if not word and doc_years and q.years and not set(doc_years) & set(q.years):
        if not any(_names_year(text, year, bool(DATED.search(q.norm))) for year in q.years):
            word = str(q.years[0])
    return word


def check(kb, hits: list, q: Query) -> None:
    """Mark and demote the hits that contrast with the question (re-sorts `hits`). The best CHECKED are
    checked until they are all clean; once a contrast is seen (入团 for 入党, 七年级 for 九年级), the
    question's word is required of every answer: the documents speak of the other thing. A sentence is
    read with its item and its document's title: "公示5个工作日" is about 团员 when the item's other
    sentence says so, "支部委员会每月召开1次" when the notice is 《关于规范团支部组织生活的通知》."""
    pairs, names = contrasts(q), numbered(q)
    if not pairs and not names:
        return
    checked: set[int] = set()
    required: set[str] = set()
    while True:
        hits.sort(key=lambda h: (-h.score, h.pid))
        todo = [h for h in hits[:CHECKED] if h.pid not in checked]
        if not todo:
            break
        for h in todo:
            checked.add(h.pid)
            if h.contrast:  # checked before (the lexical hits, when the dense neighbours join them)
                required.add(h.contrast)
                continue
            word = contrasted(_context(kb, h), pairs) or renumbered(h.passage["norm"], names)
            if word:
                required.add(word)
                _demote(h, word)
    for h in hits:
        if not h.contrast and required:
            missing = next((w for w in sorted(required) if w not in _context(kb, h)), "")
            if missing:
                _demote(h, missing)
    hits.sort(key=lambda h: (-h.score, h.pid))


def mention_check(hits: list, q: Query) -> None:
    """Hits that only list the question's rarest matched word, for a question asking a detail about it,
    cannot hold the answer (see the module's notes)."""
    if not asks_detail(q):
        return
    weights = {alt: t.weight for t in q.terms for alt in t.alts}
    for h in hits[:CHECKED]:
        if not h.matched:
            continue
        form, _ = max(h.matched, key=lambda m: (m[1], m[0]))
        if len(form) > 1 and weights.get(form, 0) > 0 and listed_only(h.passage["text"], form):
            h.holds = False
    if HOW.search(q.norm):  # not "培训包括组织关系转接吗": a topic line says that much
        for h in hits:  # all of them (one regex each): else a lower one of the same list answers
            if TOPIC_LINE.fullmatch(h.passage["text"].strip()):
                h.holds = False  # "团员组织关系转接和团籍管理；": one topic of a list, not how it is done


# One line of an enumeration of topics (a course's contents, a list of duties): a short phrase with no
# clause of its own, closed by a semicolon.
TOPIC_LINE = re.compile(r"[^，,。：:]{2,24}[；;]")
HOW = re.compile(r"怎么|怎样|如何|咋|\bhow (?:do|can|to|should|does|is|are)\b")


def _context(kb, h) -> str:
    item = "".join(text for _, text in kb.item_sentences(h.item_id)) if h.item_id else ""
    return h.passage["norm"] + normalize(item) + kb.document_identity(h.doc["key"])


def _demote(h, word: str) -> None:
    h.contrast = word
    h.fits = False
    h.score *= CONTRAST_FACTOR
    h.lexical = h.score


def year_check(kb, hits: list, q: Query) -> None:
    """A question about a year no answering document is of ("枣庄团市委2019年开展了多少场宣讲", the plan
    being 2020's) is not answered by a passage that never names that year: the plan's "年内40场" is
    2020's figure. A date in that year ("2018年1月26日前报送") names a deadline, not the year the
    question is about, unless the question asks about a date in it too."""
    if not q.years:
        return
    dated = DATED.search(q.norm)
    for h in hits:  # all of them: else a lower one that does not name the year either answers
        if h.doc.get("year") in q.years:
            continue
        text = _context(kb, h)
        if not any(_names_year(text, year, bool(dated)) for year in q.years):
            h.holds = False


DATED = re.compile(r"(?:19|20)\d\d\s*年\s*\d{1,2}\s*月")


def _names_year(text: str, year: int, dates_count: bool) -> bool:
    if dates_count:
        return str(year) in text
    return bool(re.search(rf"{year}(?!\d)(?!\s*年\s*\d{{1,2}}\s*月)", text))



def sources_hold(kb, q: Query, rows: list[dict]) -> bool:
    """Whether one of an FAQ entry's source passages could hold the answer, judged as a passage would be
    (the kind of fact asked): an entry made from "限额40人" does not answer "多少钱"
    however close its question's words are. An entry with no source passage (an admin's) is not judged."""
    from knowledge.scoring import score, sub_words  # scoring is heavier; only an FAQ match needs it

    if not rows:
        return True
    terms = list(q.terms)
    hits = [score(kb, q, terms, sub_words(terms), row) for row in rows]
    return any(h.holds for h in hits)

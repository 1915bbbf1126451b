"""A question that asks about a deed — who does it, where, whether one may, whether there is one, how
often, how many one may — is not answered by a passage that never names the deed, however much of the
subject it shares: "区青年讲师团的成员由谁来任命" and "讲师团由区团委牵头组建"; "记录表有没有统一模板" and
a passage about the 记录表; "多久开一次支委会" and "每季度末梳理一次名单". The deed is what follows the
question's frame (谁…, 去哪里…, 能…吗, 有没有…, 多久…一次…, 能…几个), in a question that is nothing but
that frame or only sets a scene before it.
"""
from __future__ import annotations

import re

from knowledge.asks import asks
from knowledge.query import Query

# "成员由谁来任命", "去哪里复核", "还能补训吗": who does a thing, where, whether one may. A passage that
# never names the deed does not say.
DOER = re.compile(r"谁(?:来|去|负责)?(?P<thing>[^，,。；;！!？?]{1,12}?)(?:呢|啊)?[？?]?$")
WHERE_DEED = re.compile(r"(?:去|到|在)(?:哪儿?|哪里)(?P<thing>[^，,。；;！!？?]{1,12}?)(?:呢|啊)?[？?]?$")
ALLOWED_DEED = re.compile(r"(?:还能|能不能|可不可以|可以|能|要不要|需不需要|还要|要|需要|还给|还)(?P<thing>[^，,。；;！!？?]{1,12}?)(?:吗|不|没有?)[？?]?$")
# "记录表有没有统一模板", "有补助吗": whether a thing exists. A passage that never names it does not say.
EXISTS = re.compile(r"(?:有没有(?P<thing>[^，,。；;！!？?]{1,12}?)(?:呢|啊)?|有(?P<item>[^，,。；;！!？?]{1,12}?)(?:吗|没有?))[？?]?$")
# "多久开一次支委会": how often a thing happens — a passage that never names the thing does not say.
HOW_OFTEN = re.compile(r"(?:多久|多长时间)[^，,。；;！!？?]{0,3}?[一1]次(?P<thing>[^，,。；;！!？?]{1,12}?)(?:呢|啊)?[？?]?$")
# "每个市能推荐几个": how many one may — of the deed named (推荐), not of another (评定).
QUOTA = re.compile(r"(?:能|可以|可)(?P<thing>[^，,。；;！!？?]{2,6}?)(?:几|多少)[个名人次项份]?(?:呢|啊)?[？?]?$")
ASKED_DEED = (DOER, WHERE_DEED, ALLOWED_DEED, EXISTS, HOW_OFTEN, QUOTA)
# A rule that names its own verb (可以按实收取, 不得强制, 不予结业) answers "may one X" only when that verb is
# X — then X is named. One that suspends the whole activity for its subject (七年级本学期不安排发展) answers
# whatever is asked of it.
RULED_VERB = r"(?:不得|不予|不能|不可|不|可以|可|须|应当|禁止)"
RULING = re.compile(r"不安排|暂不|暂停|不开展|不组织|不再(?:开展|安排|组织|受理|办理)")


def deed_check(hits: list, q: Query) -> None:
    """Hits that do not name the deed the question asks the doer of (由谁来任命), the place of (去哪里复核)
    or the leave for (还能补训吗) cannot hold the answer: they share the subject, not the question."""
    if q.lang != "zh":
        return
    clauses = [c for c in re.split(r"[，,、。；;！!？?]", q.norm.rstrip("？?")) if c.strip()]
    # Only a question that is nothing but that, or that only sets the scene before it ("那2000块经费，
    # 能报销高铁票不"): "…咋转？团市委有说法没" asks how, then whether the document says so at all.
    if not clauses or re.search(r"[？?]", q.norm.rstrip("？?")) or any(asks(c) for c in clauses[:-1]):
        return
    # After a scene, only "may one": "…的考核，材料找谁对接" asks for the contact a passage names
    # without the verb.
    patterns = ASKED_DEED if len(clauses) == 1 else (ALLOWED_DEED, EXISTS)
    # The frame that starts first is the question's ("有固定的格式要求吗" is "有…吗", not "要…吗").
    m = min(filter(None, (p.search(clauses[-1]) for p in patterns)), key=lambda m: m.start(), default=None)
    slot = "item" if m is not None and m.group("thing") is None else "thing"  # EXISTS has two forms
    if m is None or re.match(r"啥|什么|哪|多少|几", m.group(slot)) or _inside_word(q, clauses[-1], m.start(slot), m.end(slot)):
        return  # "能拿到什么" asks what; "要求一样不": 要 is part of 要求, not "need one"
    thing = m.group(slot)
    wanted = [t for t in q.terms if len(t.text) > 1 and (t.text in thing or (len(thing) > 1 and thing in t.text))]
    if not wanted:
        return
    # A suspended activity may answer "能入团不" ("七年级本学期不安排发展") — not a question that first
    # sets a scene and then names its deed ("…优秀的团员，奖学金评定能加分吗"): that deed is the point.
    allowed = m.re is ALLOWED_DEED and len(clauses) == 1
    # "还要设支委会吗" — "不设委员会"; "还能评优秀不" — "不得评为优秀": a rule on the deed's own verb answers.
    ruled = re.compile(RULED_VERB + re.escape(thing[0])) if m.re is ALLOWED_DEED else None
    for h in hits:  # all of them (a set lookup each): else the ninth best becomes the answer
        forms = {f for f, _ in h.matched}
        if not any(set(t.alts) & forms or t.text in forms for t in wanted):
            if allowed and RULING.search(h.passage["text"]):
                continue  # "能入团不" — "七年级本学期不安排发展": nothing of the kind this term
            if ruled is not None and ruled.search(h.passage["text"]):
                continue
            h.holds = False


def _inside_word(q: Query, clause: str, at: int, end: int) -> bool:
    """Whether the modal matched before `at` is part of a question word that splits the deed (要求一样:
    要求 ends inside 求一样) — not one that is modal and deed together (能加分)."""
    for t in q.terms:
        start = clause.find(t.text)
        if start != -1 and start < at < start + len(t.text) < end:
            return True
    return False

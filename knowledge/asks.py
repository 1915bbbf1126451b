"""What a question asks for — a date, a length of time, a number, a person, a place, a way, a yes/no.

Two questions can share nearly every word and still ask different things: "换届要提前多久报告？" and
"换届要报告哪些材料？". Character and word similarity call them the same; the interrogative tells
them apart. Used where questions are compared by their words: FAQ matching and 未答 grouping.
(Compared by meaning, paraphrases change the interrogative too often for it to help: measured on
tests/data/faq-curated-dev.jsonl it rejected no more distractors and found fewer paraphrases.)
General Chinese interrogatives only.
"""
from __future__ import annotations

import re

# Tried in order: the first kind whose pattern occurs is what the question asks for.
KINDS: tuple[tuple[str, re.Pattern], ...] = (
    ("duration", re.compile(r"多久|多长时间|多少天|(?<!好)几天|(?<!好)几个月|多少个月|(?<!好)几年|多少年|多少时间|多长")),
    ("when", re.compile(r"什么时候|何时|哪天|哪一天|几月|几号|哪个月|截止到?什么|啥时候|什么时间|几点")),
    ("number", re.compile(r"多少|(?<!好)几[个名人场次期批项届位家所支篇条件户周岁倍元学课小分]|几成|多大比例|比例|占比|百分之几|多高|多大")),
    ("who", re.compile(r"谁|哪个部门|哪位|什么人|哪些人|哪个单位|哪一级|哪个组织|找哪")),
    ("where", re.compile(r"哪里|哪儿|在哪|什么地方|什么地址|地址|去哪")),
    ("why", re.compile(r"为什么|为何|什么原因|原因是")),
    ("whether", re.compile(r"吗[？?]?$|是否|能不能|可不可以|可以不|要不要|需不需要|需要不|有没有|算不算|行不行|能否|可否")),
    ("way", re.compile(r"怎么|怎样|如何|咋|什么流程|什么程序|哪些步骤|什么手续|什么办法|什么方式")),
    ("what", re.compile(r"哪些|什么|啥|哪个|哪几|哪一|有何")),
)


def asks(question: str) -> str:
    """The kind of answer a question wants ("when", "duration", "number", …), or "" if it does not say."""
    for kind, pattern in KINDS:
        if pattern.search(question):
            return kind
    return ""


MEASURES = {"duration", "when", "number"}  # a figure or a date
OTHERS = {"way", "what", "who", "where", "why"}  # a way, a thing, a person, a place, a reason


def same_ask(a: str, b: str) -> bool:
    """Whether two questions can want the same answer: not when one asks for a figure or a date and
    the other for a way, a thing, a person, a place or a reason ("提前多久报告" ≠ "报告哪些材料").
    Yes/no questions and ones that do not say go with anything: paraphrases change form freely
    ("团员证丢了怎么补办" ~ "弄丢了还能补吗", "任期几年" ~ "到啥时候满")."""
    ka, kb = asks(a), asks(b)
    return not ((ka in MEASURES and kb in OTHERS) or (ka in OTHERS and kb in MEASURES))

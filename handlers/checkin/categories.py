"""The five categories of the assessment form (工作开展情况表, 东团通〔2017〕23号) and how a plan item
is filed under one of them.

The form's rows are the five sections of the notice's “三、考核内容”. An item *of that notice* is filed
under its own section (（一）…（五）). Any other plan item is filed by keywords: each category's words are
taken from what the notice lists under that section (e.g. （三） names 青年之声, 智慧团建, 新媒体;
（四） names the 1+100 direct-contact system and 微心愿). Hits in the item's heading count 3, in its
section title 2, in its body 1; the highest total wins, ties go to the earlier row of the form.
"""
from __future__ import annotations

from dataclasses import dataclass

from knowledge.normalize import compact


@dataclass(frozen=True)
class Category:
    key: str  # the short name used in the bot and the issue: 思想引领 …
    number: str  # the form's 序号
    title: str  # the form's 考核项目, as printed
    keywords: tuple[str, ...]


CATEGORIES: tuple[Category, ...] = (
    Category("思想引领", "（一）", "青少年思想引领及青年人才工作", (
        "思想引领", "青年大学习", "理论武装", "十九大", "主题教育", "中国梦", "价值观", "宣讲", "党史", "政治",
        "典型", "人才", "先进", "青年文明号", "社会实践", "主题团日", "爱国", "讲政治", "学习宣传", "引领")),
    Category("深化改革", "（二）", "推进和落实共青团深化改革工作", (
        "改革", "基层基础", "团干部", "团员", "团费", "三会两制一课", "三会一课", "从严治团", "基层团建", "团的组织",
        "换届", "少先队", "覆盖", "作风", "自身建设", "党的建设", "制度", "团建", "合格共青团员", "入团")),
    Category("网上共青团", "（三）", "“网上共青团”建设工作", (
        "网上共青团", "青年之声", "智慧团建", "新媒体", "互联网", "网络", "公众号", "微信", "微博", "青网", "全媒体",
        "信息录入", "线上")),
    Category("直接联系青年", "（四）", "团干部直接联系青年工作", (
        "直接联系", "联系青年", "1+100", "联系服务", "联系基层", "微心愿", "互动", "青年活动", "走进基层")),
    Category("服务大局", "（五）", "服务大局、服务青年重点工作项目", (
        "服务大局", "志愿", "创业", "创新", "双创", "扶贫", "脱贫", "乡村振兴", "权益", "疫情", "防控", "防疫",
        "生态", "经济", "务工", "圆梦", "治理", "禁毒", "法治", "犯罪", "文明城市", "双招双引", "智能制造", "服务青年",
        "建功", "生力军", "一带一路")),
)
BY_KEY = {c.key: c for c in CATEGORIES}
_SECTION_NUMBERS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4}


def _hits(text: str, words: tuple[str, ...]) -> int:
    text = compact(text or "")
    return sum(1 for w in words if w in text)


def category_of(item: dict) -> str:
    """The form category (思想引领 …) a plan item is filed under."""
    if item.get("section") == "考核内容" and item.get("sub_no") in _SECTION_NUMBERS:
        return CATEGORIES[_SECTION_NUMBERS[item["sub_no"]]].key
    best, best_score = CATEGORIES[0].key, 0
    for cat in CATEGORIES:
        score = (3 * _hits(item.get("heading", ""), cat.keywords)
                 + 2 * _hits(item.get("sub") or item.get("section", ""), cat.keywords)
                 + _hits(item.get("body", ""), cat.keywords))
        if score > best_score:
            best, best_score = cat.key, score
    return best

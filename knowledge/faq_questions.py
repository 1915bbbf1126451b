"""Questions a cadre would ask, written from a plan's item headings and fact sentences.

A plan sentence is not a question: blanking its figure gives "将初中阶段毕业班团青比例多少？" or
"以什么时候基层团委集中换届为契机？". The phrasing here moves the object of 将/把 to the front
("初中阶段毕业班团青比例要控制在多少以内？"), asks "多大比例的" for a share of something, and
drops connectives. What still does not read as a question (a leading preposition, a blank inside a
list or a name, no subject of its own) is marked unlisted: the entry still matches questions,
but the browse list shows only questions a person would ask.
"""
from __future__ import annotations

import re

LEADING = re.compile(r"^(?:同时|并且|而且|以及|并|切实|进一步|积极|继续|持续|全面|大力|努力|着力|认真|扎实|深入|"
                     r"不断|广泛|全力|主动|精准|努力|加快|及时|逐步|有序|稳步)+")
# A clause that starts with one of these is an adverbial or a fragment, not a question's subject.
FRAGMENT = re.compile(r"^(?:以|于|对|按|按照|通过|为|从|由|向|与|和|及|被|使|让|根据|围绕|依托|结合|借助|"
                      r"针对|关于|对于|在|将|把|到|至|等|其中|包括|分别|并|而|但|或)")
DATE_LEAD = re.compile(r"^(?:到|在|于|至)?(?:\d{4}\s*年(?:\d{1,2}月)?(?:底|末|内|前)?|年内|年底|\d{1,2}月(?:底|份)?)"
                       r"(?:前|之前|以前)?")
QUESTION_WORD = re.compile(r"多少|多大|几|什么|哪|如何|怎么|怎样|谁|吗")
HAND_IN = re.compile(r"发送|报送|提交|上报|汇总|上交|交|报|送|上传|录入|完成|报名|申报|备案")
PAREN = re.compile(r"[（(][^）)]*[）)]")
MAX_NATURAL = 32  # longer questions are not ones a person types
# "什么时候…" with no subject before it reads naturally only when what happens is an event:
# "什么时候召开市区两级青年工作联席会议？" — not "什么时候汇总至团市委组织部？" (what is handed in?).
EVENT = re.compile(r"(?:会议|活动|大会|仪式|评选|考核|培训|换届|选举|比赛|竞赛|评议|宣讲|报名|申报|认定|注册|总结|发布|开学|开营)$")


def item_question(heading: str) -> tuple[str, bool]:
    """("如何从严管好团员队伍？", listed) for a numbered item's heading."""
    heading = PAREN.sub("", heading).strip("。；; ")
    if heading.endswith("情况"):
        return f"{heading}怎么考核？", natural(f"{heading}怎么考核？")  # the assessment notice's items
    if heading.startswith(("如何", "怎样")):
        q = f"{heading}？"
    elif _starts_with_verb(heading):
        q = f"如何{LEADING.sub('', heading) or heading}？"  # 从严管好团员队伍 → 如何从严管好团员队伍？
    else:
        q = f"{heading}有哪些要求？"  # a step or a thing: 入团仪式 → 入团仪式有哪些要求？ (not 如何入团仪式)
        if len(heading) > 14:
            return q, False  # a sentence standing as a heading, not the name of a step
    return q, natural(q) and "，" not in heading and heading.count("、") <= 1 and not re.search(r"\d", heading)


# Plan verbs jieba's tagger often calls nouns (投身/n, 深化/j, 助力/n): general vocabulary of work plans.
ACTION_VERBS = frozenset("""深化 投身 助力 选树 明确 联系 拓展 拓宽 培育 夯实 构建 打造 维护 引领 服务 强化 优化 规范
健全 完善 提升 提高 做好 抓好 加大 配强 压实 创新 开展 组织 推进 推动 实施 加强 建立 建设 落实 参与 参加 确定 召开
选举 递交 领取 领会 学习 贯彻 宣传 发展 保障 促进 带动 聚焦 突出 注重 坚持 弘扬 培养 树立 选拔 推广 整合 用活 扩大 统筹 直接""".split())


def _starts_with_verb(text: str) -> bool:
    """加强…/从严管好…/大力实施… start with an action; 入团仪式, 团课学习 are things."""
    import jieba.posseg

    words = [(w.word, w.flag) for w in jieba.posseg.cut(LEADING.sub("", text) or text)][:2]
    if not words:
        return False
    if words[0][0] in ACTION_VERBS or words[0][1] in ("v", "vd", "i"):
        return True
    return words[0][1] in ("d", "a", "ad", "b", "m") and len(words) > 1 and \
        (words[1][1] == "v" or words[1][0] in ACTION_VERBS)  # 从严/d 管好/v, 全方位/m 维护/v


def fact_question(clause: str, start: int, end: int, unit: str, pre: str, post: str) -> tuple[str, bool]:
    """A question about the figure at clause[start:end] ("不少于40场"), and whether it reads naturally."""
    before, after = clause[:start], clause[end:]
    verb = pre if pre in ("控制在", "达到", "超过") else ""
    if not verb and before.endswith(("率", "比例", "占比", "比重", "覆盖面", "人数", "数量")):
        verb = "要控制在" if pre in ("不超过", "不多于", "不高于", "低于", "少于") or post in ("以内", "以下") \
            else "要达到" if pre or post in ("以上", "及以上") else "是"  # 增长率不低于10% → 增长率要达到多少
    bound = post if verb.endswith("控制在") and post else ""
    if after.startswith("的") and before.endswith(("率", "比例", "占比")):
        return before + blank_of(unit) + after + "？", False  # 参学率低于80%的团支部: a condition, not a target
    if unit == "%" and after.startswith("的"):
        blank = "多大比例"  # 100%的大学建立团校 → 多大比例的大学
    else:
        blank = "多少" + ("" if unit == "%" else unit)
    text = before + verb + blank + bound + after
    q, listed = _finish(text, verb_at=len(before))
    return q, listed and names_a_thing(q, unit)


def blank_of(unit: str) -> str:
    return "多少" + ("" if unit == "%" else unit)


def date_question(clause: str, start: int, end: int) -> tuple[str, bool]:
    """A question about the date at clause[start:end] ("2018年1月26日下午下班前")."""
    before, after = clause[:start], clause[end:]
    before = re.sub(r"(?:于|在|到|至)$", "", LEADING.sub("", before.strip()))
    after = re.sub(r"^(?:前|之前|以前)", "", after).lstrip("，, ")
    if before.startswith("以") or after.endswith(("为契机", "为抓手", "为主线", "为载体", "为重点")):
        return f"{before}什么时候{after}？", False  # 以…为契机: an occasion, not a deadline
    m = re.match(r"(?:将|把)(.+?)(?=" + HAND_IN.pattern + ")", after)
    if m and not before:
        return _finish(f"{m.group(1)}什么时候{after[m.end():]}", verb_at=len(m.group(1)))  # 将材料发送到… → 材料什么时候发送到…
    q, listed = _finish(f"{before}什么时候{after}", verb_at=len(before))
    return q, listed and names_a_thing(q, "")


NOUN_TAGS = ("n", "nr", "ns", "nt", "nz", "nl", "ng", "x", "j", "l")  # x: dictionary words without a tag


def names_a_thing(question: str, unit: str) -> bool:
    """Whether a question names what it asks about: a noun besides the unit and the question words
    ("团员参学率要达到多少？" does; "累计多少学时？" and "每月交纳多少元？" do not)."""
    import jieba.posseg

    body = re.sub(r"什么时候|多大比例|多少|如何|怎么|是什么|[？?“”\"《》，]", " ", question)
    return any(len(w.word) >= 2 and w.flag in NOUN_TAGS and w.word != unit and not w.word.isdigit()
               for w in jieba.posseg.cut(body) if w.word.strip())


def _finish(text: str, verb_at: int) -> tuple[str, bool]:
    text = LEADING.sub("", text.strip(' "“”，,')).strip()
    lead = DATE_LEAD.match(text)
    if lead and lead.end() < len(text) and re.match(r"到|在|于|至|\d{4}", text):
        head, rest = text[:lead.end()], text[lead.end():].lstrip("，, ")
        rest = LEADING.sub("", rest)
        text = f"{head}，{_subject_first(rest)}"  # "到2017年底，多大比例的大学要建立大学团校"
    else:
        text = _subject_first(text)
    q = text + "？"
    return q, natural(q)


def _subject_first(text: str) -> str:
    """将X控制在… → X要控制在…: the object of 将/把 becomes the subject the question is about."""
    m = re.match(r"(?:将|把)(.{2,20}?)(控制在|达到|超过|作为|纳入|列入|提高到|降低到|发送|报送|提交|上报|汇总)", text)
    if m:
        return f"{m.group(1)}要{text[m.start(2):]}"
    return text


def natural(question: str) -> bool:
    """Whether a generated question reads as one a cadre would ask (shown in the browse list)."""
    body = question.rstrip("？?")
    if not question.endswith("？") or not 6 <= len(body) <= MAX_NATURAL:
        return False
    if not QUESTION_WORD.search(body) or len(re.findall(r"多少|什么时候", body)) > 1:
        return False
    start = DATE_LEAD.match(body)
    rest = body[start.end():].lstrip("，") if start and body[start.end():start.end() + 1] == "，" else body
    if FRAGMENT.match(rest) and not rest.startswith(("如何", "在哪")):
        return False
    if re.search(r"多少的|什么时候的|、多少|多少、|多少岁[^，。？]*[礼节]", body):
        return False  # a blank inside a list or a name ("18岁成人礼")
    if body.startswith("什么时候") and not EVENT.search(body):
        return False
    if re.search(r"[（(：:]|的$|什么时候、|、[^，]{0,8}什么时候|\d\s*[至到~-]\s*多少", body):
        return False  # a bracket or label left from the sentence, a dangling 的, a date or figure in a range
    if body.count("“") != body.count("”") or body.count('"') % 2 or body.count("《") != body.count("》"):
        return False
    return True

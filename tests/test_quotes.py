"""Quotations cut from the item's own text, and the facts an answer leads with (issue 12, items 7–9)."""
from knowledge.fact_finder import asked_unit, find_facts, implied_unit
from knowledge.quotes import Span, clauses, locate, render, sentence_of, window

BODY = ("推动在大中学学校普遍建立团校，到2017年底100%的大学建立大学团校，70%以上的中学建立中学团校，"
        "把团校培训作为学生团员发展的必经环节，切实保证入团积极分子必须参加不少于20学时的团课学习。"
        "深化团员教育。")


def test_a_clause_run_of_the_index_is_found_in_the_item_text_and_read_as_its_whole_sentence():
    run = "…把团校培训作为学生团员发展的必经环节，切实保证入团积极分子必须参加不少于20学时的团课学习。"
    at = locate(BODY, run)
    assert at is not None and BODY[at.start:at.end] == run.lstrip("…")
    sentence = sentence_of(BODY, at)
    assert BODY[sentence.start:sentence.end].startswith("推动") and BODY[sentence.end - 1] == "。"


def test_a_long_sentence_is_cut_at_clause_boundaries_around_the_fact_with_ellipses_at_the_cuts():
    sentence = sentence_of(BODY, Span(0, 1))
    fact = Span(BODY.index("不少于20学时"), BODY.index("不少于20学时") + 7)
    span = window(BODY, sentence, fact, [(("团课",), 4.0)], 60)
    quote = render(BODY, [span])
    assert "不少于20学时" in quote and quote.startswith("…") and len(quote) <= 62
    assert all(piece in BODY for piece in quote.split("…") if piece)
    assert quote[1] not in "，,"  # a cut never leaves a dangling comma


def test_spans_apart_are_joined_with_one_ellipsis_and_whole_sentences_without():
    first = sentence_of(BODY, Span(0, 1))
    last = sentence_of(BODY, Span(len(BODY) - 2, len(BODY) - 1))
    assert render(BODY, [first, last]) == BODY  # adjacent: the text as it stands
    parts = clauses(BODY, first)
    quote = render(BODY, [parts[0], last])
    assert quote == BODY[parts[0].start:parts[0].end].rstrip("，") + "…深化团员教育。"


def test_the_unit_asked_for_and_numbers_that_count_nothing():
    assert asked_unit("入团要求志愿服务多少小时？") == "小时"
    assert asked_unit("高一能发展几个团员？") is None  # 几个 counts anything
    assert implied_unit("入团前的团课学时，各个地方要求一样不？") == "学时"
    text = "深入学习贯彻党的十九大、十九届二中全会精神，实施“最多跑一次”改革，培育一批骨干队伍，年度 20 小时志愿服务时长。"
    facts = find_facts(text, Span(0, len(text)), frozenset({"number"}), None, [(("志愿服务",), 3.0)], [])
    assert [f.text for f in facts] == ["年度20小时"]  # not 十九届, not 一次 inside a name, not 一批

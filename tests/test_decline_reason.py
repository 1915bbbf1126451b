"""A decline carries its reason as a value (kind, what), and the reply names what is not covered."""
from knowledge.decision import Decline
from knowledge.search import out_of_scope, search


def test_a_place_without_documents_is_declined_by_name(kb):
    answer = kb.ask("北京市团委的团费怎么交？")
    assert answer.decision == "decline" and not answer.confident
    assert "北京" in answer.text and "没有关于" in answer.text


def test_the_reason_is_a_value_naming_the_year_not_a_string_to_split(kb):
    q = kb.analyzer.analyze("2031年的团费怎么交？")
    assert out_of_scope(kb, q) == Decline("year", "2031")
    result = search(kb, q)
    assert result.decision == "decline" and result.reason == Decline("year", "2031")
    assert "2031年的文件" in kb.ask("2031年的团费怎么交？").text

"""The normaliser and the segmenter: what the index and the questions are made of."""
import pytest

from knowledge import lexicon, segment
from knowledge.normalize import chinese_to_int, compact, normalize


@pytest.mark.parametrize("raw,expected", [
    ("入团前需要参加二十学时的团课", "入团前需要参加20学时的团课"),
    ("三会两制一课", "三会两制一课"),  # numerals that are names stay
    ("四个意识", "四个意识"),
    ("寧波要構建幾級志願服務組織網絡？", "宁波要构建几级志愿服务组织网络?"),
    ("２０学时，占比３０％", "20学时,占比30%"),
    ("建团九十五周年", "建团95周年"),
    ("百分之三十", "30%"),
    ("二〇一七年", "2017年"),
    ("著力提升", "着力提升"),
    ("“青年之家”「青年之聲」", '"青年之家""青年之声"'),
])
def test_normalise(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize("numeral,value", [("二十", 20), ("一百零五", 105), ("十二", 12), ("万", 10000), ("三万", 30000)])
def test_chinese_numerals(numeral, value):
    assert chinese_to_int(numeral) == value


def test_compact_drops_white_space():
    assert compact("8 学时 团前教育") == "8学时团前教育"


def test_every_league_term_of_the_user_dictionary_survives_segmentation():
    broken = [t for t in lexicon.user_terms() if t not in segment.cut(normalize(t))]
    assert not broken, f"split by jieba: {broken[:10]}"


@pytest.mark.parametrize("term", ["青年大学习", "智慧团建", "团青比例", "三会两制一课", "推优入团", "入团积极分子",
                                  "中国青创板", "一网一卡一证"])
def test_key_league_terms_are_single_tokens_in_a_sentence(term):
    assert term in segment.cut(f"各级团组织要做好{term}工作")


def test_long_compounds_are_also_indexed_by_their_two_character_parts():
    assert {"牵手", "关爱"} <= set(segment.index_text("常态化实施“牵手关爱”行动").split())


def test_the_lexicon_files_are_already_simplified():
    """The lexicon skips the Traditional→Simplified pass at load (for start-up time); that is only
    right while every entry is unchanged by it."""
    from knowledge.normalize import normalize_simplified

    words = list(lexicon.stopwords()) + list(lexicon.generic_words()) + list(lexicon.synonym_groups())
    words += [r for renderings in lexicon.glossary().values() for r in renderings]
    changed = [w for w in words if normalize(w) != normalize_simplified(w)]
    assert not changed, changed[:10]

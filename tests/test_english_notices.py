"""English questions about notices the glossary was not written for: a place or organisation named in
pinyin finds its own notice, and everyday English words reach the notice's Chinese through CC-CEDICT.
The two notices are written for this test (lexical engine: deterministic)."""
import pytest

from conftest import notices_written

KEQIAO = """共青团绍兴市柯桥区委员会

关于规范团费收缴工作的通知

各镇（街道）团委：

一、交纳时间

在职团员团费按季度交纳，每季度最后一个月的25日前交清。

共青团绍兴市柯桥区委员会
2023年10月9日
"""

ZISHAN = """共青团于都县梓山镇委员会

关于开展暑期志愿服务和团费收缴工作的通知

各村团支部：

一、团费

在职团员团费按月交纳，每月10日前交清。

二、服务保障

志愿者每人每天服务时长不超过8小时。

镇团委按每人每天20元标准发放午餐补贴。

共青团于都县梓山镇委员会
2024年6月20日
"""


@pytest.fixture(scope="module")
def kb(tmp_path_factory, data_dir):
    return notices_written(tmp_path_factory.mktemp("english"), {"keqiao.txt": KEQIAO, "zishan.txt": ZISHAN},
                           data_dir)


def test_a_place_written_in_pinyin_finds_its_own_notice(kb):
    # The named place's rule comes first (the other may follow as another region's).
    for place, own, other in (("Keqiao", "25日前", "10日前"), ("Zishan", "10日前", "25日前")):
        text = kb.ask(f"In {place}, by when must employed league members pay their league dues?").text
        assert own in text and (other not in text or text.index(own) < text.index(other)), text


def test_everyday_english_words_reach_the_notices_chinese(kb):
    answer = kb.ask("How much lunch allowance does a volunteer get per day?")
    lead = answer.text.splitlines()[0]  # the answer line, not only the quotation after it
    assert answer.matched and "20元" in lead and "午餐补贴" in lead, answer.text

""""团县委" / "团区委" name a kind of issuer, not one place: a cadre of a county whose notices were ingested
calls its own league committee so. The question's other words choose among the committees' documents;
without such a word the plan of the region literally called 团县委 stays the answer. The notice is
written here (lexical engine: deterministic)."""
import pytest

from conftest import notices_written

HARVEST = """共青团柳岸县委员会

关于开展2025年“青春助农”志愿服务活动的通知

各乡镇团委，县直各单位团组织：

为助力农产品销售，团县委决定在全县开展“青春助农”志愿服务活动。现将有关事项通知如下：

一、活动时间

2025年9月15日至10月31日。

二、活动内容

组织青年志愿者走进田间地头，协助农户开展直播带货、分拣包装和物流对接。每支志愿服务队不少于5人。

三、报名方式

各乡镇团委于9月5日前将志愿服务队名单报送团县委青年发展部。

联系人：团县委青年发展部 李静；电话：0597-6612345

共青团柳岸县委员会
2025年8月25日
"""


@pytest.fixture(scope="module")
def kb(tmp_path_factory, data_dir):
    return notices_written(tmp_path_factory.mktemp("committee"), {"liuan_harvest.txt": HARVEST},
                           data_dir, with_plans=True)


def test_a_county_notice_is_reached_by_the_word_cadres_call_its_issuer(kb):
    answer = kb.ask("青春助农这事找团县委谁？电话多少")
    assert answer.matched and "李静" in answer.text and "0597-6612345" in answer.text, answer.text


def test_without_a_word_naming_the_notice_the_plan_called_tuanxianwei_answers(kb):
    answer = kb.ask("团县委今年要对团员档案搞啥检查？")
    assert answer.matched and "团员档案" in answer.text and "柳岸" not in answer.text, answer.text


def test_committees_come_from_the_issuer():
    from knowledge.ingest.meta import committees_of

    assert committees_of("柳岸县", "共青团柳岸县委员会") == ("团县委",)
    assert committees_of("襄阳市樊城区", "共青团襄阳市樊城区委员会") == ("团区委",)
    assert committees_of("团县委", "团县委") == ()  # the region so called is itself
    assert committees_of("于都县梓山镇", "共青团于都县梓山镇委员会") == ()  # a town's committee is none
    assert committees_of("兰州市城关区华林中学", "共青团兰州市城关区华林中学委员会") == ()


def test_another_region_named_beside_the_committee_keeps_its_documents(kb):
    from knowledge.search import _documents_for

    q = kb.analyzer.analyze("团县委和东莞各自怎么抓团干部作风建设？")
    regions = {kb.docs[key]["region"] for key in _documents_for(kb, q)}
    assert regions == {"团县委", "东莞"}, regions


def test_an_asker_of_the_county_means_their_own_committee(kb):
    answer = kb.ask("团县委要求每支队至少几个人？", "柳岸县")
    assert answer.matched and "不少于5人" in answer.text, answer.text

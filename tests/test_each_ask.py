"""A question asking two things at once is answered on both: the sentence of the answer's item that
answers the other clause is quoted beside the one that won the whole question. The notice is written
here (lexical engine: deterministic)."""
import pytest

from conftest import notices_written
from knowledge.each_ask import asking_clauses

STUDY = """共青团石门县委员会

关于举办2025年青年志愿者骨干研修班的通知

各乡镇团委：

为提升志愿服务骨干的组织能力，团县委决定举办骨干研修班。现将有关事项通知如下：

一、研修时间

2025年7月8日至10日。

二、研修地点

石门县青少年活动中心（建设路18号）三楼多功能厅。外县学员统一安排在活动中心公寓住宿。

三、报名

各乡镇团委于6月30日前报送学员名单。

联系人：团县委志愿者工作部 周敏；电话：0736-5328800

共青团石门县委员会
2025年6月16日
"""


@pytest.fixture(scope="module")
def kb(tmp_path_factory, data_dir):
    return notices_written(tmp_path_factory.mktemp("each_ask"), {"shimen_study.txt": STUDY}, data_dir)


def test_both_asks_of_one_question_are_answered(kb):
    answer = kb.ask("骨干研修班放在哪里开，外县来的学员住宿怎么安排？")
    assert answer.matched, answer.text
    assert "建设路18号" in answer.text and "公寓住宿" in answer.text, answer.text


def test_a_question_asking_one_thing_quotes_one_sentence(kb):
    answer = kb.ask("外县来的学员住宿怎么安排？")
    assert answer.matched and "公寓住宿" in answer.text and "建设路18号" not in answer.text, answer.text


def test_asking_clauses():
    assert asking_clauses("培训班在哪儿办，晚上住哪？") == ["培训班在哪儿办", "晚上住哪"]
    assert asking_clauses("为了方便报到，培训班在哪儿办？") == []  # one ask, a clause of context

"""Commands typed without a space (Chinese phone keyboards insert none), through the console: a command
word glued to arguments that look like its own is the command; a question that merely starts with a
command-like word is still a question (issue 12, item 1)."""
import pytest

from conftest import message
from handlers.adapters.console_adapter import ConsoleChat
from handlers.core.router import dispatch, parse
from handlers.core.types import CONSOLE_OPERATOR


def typed(ctx, text: str, user: str = CONSOLE_OPERATOR):
    """What the console shows for one typed line (the operator: a global admin, every command open)."""
    replies = ConsoleChat(ctx, user=user).handle(text)
    assert len(replies) == 1, [r.text for r in replies]
    return replies[0]


def is_an_answer(reply) -> bool:
    """The question went to 问: its reply carries the answer's data (matched, sources)."""
    return "matched" in reply.data


@pytest.mark.parametrize("text,expect", [
    ("打卡组织青年大学习第13期", "✅ 已打卡"),
    ("打卡：组织青年大学习第13期", "✅ 已打卡"),
    ("打卡，组织青年大学习第13期", "✅ 已打卡"),
    ("打卡、组织青年大学习第13期", "✅ 已打卡"),
    ("打卡#智慧团建 录入新团员信息35人", "✅ 已打卡"),
    ("打卡召开支部委员会，参与率92.5%", "完成度 92.5%"),
    ("请假明天", "已登记请假：11月24日"),
    ("请假明天参加培训", "原因：参加培训"),
    ("请假下周一到下周三外出学习", "共3天"),
    ("请假11月25日-11月27日", "共3天"),
    ("通知本周五下午三点召开团干部例会", "还没有订阅的群"),
    ("城市枣庄", "已将您的地区设为：枣庄"),
    ("城市枣庄市", "已将您的地区设为：枣庄"),
    ("地区东莞", "已将您的地区设为：东莞"),
    ("问答12", "编号为“12”的常见问题"),  # the test database has no FAQ: the command still answers
    ("问答列表2", "没有第2页"),
    ("常见问题3", "编号为“3”的常见问题"),
    ("截止添加 12月31日 提交年度考核材料", "已添加截止事项"),
    ("截止添加12月31日提交年度考核材料", "已添加截止事项"),
    ("截止日期添加 12.31 提交年度考核材料", "已添加截止事项"),
    ("导出十一月", "2026年11月打卡导出"),
    ("导出上月", "2026年10月打卡导出"),
    ("周报月", "近30天"),
    ("帮助打卡", "打卡 / checkin"),
    ("工作日2026-10-10", "2026-10-10（周六）"),
    ("订阅枣庄", "已订阅"),
    ("管理员记录", "授权或撤销管理员的记录"),
    ("单位城东街道团工委", "已加入单位“城东街道团工委”"),
])
def test_a_command_word_glued_to_its_arguments_is_the_command(ctx, text, expect):
    reply = typed(ctx, text)
    assert expect in reply.text, reply.text
    assert not is_an_answer(reply)


def test_a_glued_check_in_is_saved_like_a_spaced_one(ctx):
    typed(ctx, "打卡组织青年大学习第13期", user="u1")
    assert "组织青年大学习第13期" in typed(ctx, "今日", user="u1").text
    assert "第1版" in typed(ctx, "打卡历史", user="u1").text


@pytest.mark.parametrize("text", [
    "通知文号是多少", "通知书什么时候发", "通知精神", "通知里说的考核时间", "通知下发了吗",
    "截止日期是哪天", "截止到什么时候", "截至目前团员多少人",
    "城市团委怎么设置", "城市青年的思想引领", "地区差异大吗",
    "帮助困难青年有哪些措施", "帮助青少年成长成才",
    "导出口贸易的青年怎么联系", "导出数据",
    "打卡率怎么算", "打卡的要求是什么", "打卡情况", "打卡制度", "打卡机在哪", "打卡了吗",
    "请假需要什么手续", "请假制度",
    "问答环节怎么组织", "问题是入团要多久",
    "订阅号怎么关注", "工作日有哪些", "周报怎么写", "单位是什么意思", "管理员是谁", "未答的问题",
    "进度怎么样", "今日头条", "退订流程",
])
def test_a_question_that_starts_like_a_command_is_answered_as_a_question(ctx, text):
    cmd, rest = parse(text, ctx, message(text, user=CONSOLE_OPERATOR))
    assert cmd is None and rest == text
    assert is_an_answer(typed(ctx, text))


def test_nothing_is_saved_by_a_question_about_check_ins(ctx):
    typed(ctx, "打卡的要求是什么", user="u1")
    assert "您还没有打卡" in typed(ctx, "今日", user="u1").text


def test_a_member_gluing_an_admin_command_asks_a_question_instead_of_being_refused(ctx):
    reply = typed(ctx, "通知本周五下午三点召开团干部例会", user="u1")
    assert is_an_answer(reply) and "只有管理员" not in reply.text
    assert "只有管理员" in typed(ctx, "通知 本周五下午三点召开团干部例会", user="u1").text  # spaced: the command


def test_in_group_chatter_only_check_ins_and_leave_count_glued(ctx):
    def chatter(text, admin=False):
        return dispatch(ctx, message(text, user="88" if admin else "77", platform="telegram", chat_id="-9",
                                     chat_type="group", addressed=False, chat_admin=admin))

    assert "✅ 已打卡" in chatter("打卡组织青年大学习第13期")[0].text
    assert "已登记请假" in chatter("请假明天")[0].text
    ctx.store.profiles.grant_admin("telegram", "88", "console:console", "", "2026-11-23T01:00:00+00:00")
    assert chatter("通知大家本周五下午开会", admin=True) == []  # talking to the group, not broadcasting


def test_an_faq_entry_by_its_number_glued(ctx):
    entry = typed(ctx, "问答 添加 团费怎么交？ | 按月交给所在团支部。").text.split("#")[1].split("：")[0]
    assert typed(ctx, f"问答{entry}").text == f"#{entry} 团费怎么交？\n按月交给所在团支部。"


def test_the_longest_command_word_is_tried_first(ctx):
    cmd, args = parse("截止日期添加 12月31日 材料", ctx, message("x", user=CONSOLE_OPERATOR))
    assert cmd.alias == "deadlines" and args == "添加 12月31日 材料"
    cmd, args = parse("我的打卡", ctx, message("x"))
    assert cmd.alias == "progress"


def test_a_sub_command_glued_to_its_argument_is_split_off_even_after_a_space(ctx):
    cmd, args = parse("截止 添加2026-12-31 提交材料")
    assert args == "添加 2026-12-31 提交材料"
    cmd, args = parse("问答 列表2")
    assert args == "列表 2"
    cmd, args = parse("打卡 修改错别字")  # a check-in's text may start with a sub-command's word
    assert args == "修改错别字"

"""Near misses of command words get a suggestion, not an answer (issue 12, item 2), and `帮助 <命令>` shows
that command's help with its examples, read from the handler's docstring (item 3) — through the console."""
import io
from pathlib import Path

import pytest

from handlers.adapters.console_adapter import ConsoleChat
from handlers.core.near_miss import sounds_like
from handlers.core.router import commands, parse
from handlers.core.types import CONSOLE_OPERATOR


def console(ctx, user=CONSOLE_OPERATOR):
    folder = Path(ctx.settings.data_dir) / "out"  # an export shown here is saved there, not in the work tree
    return ConsoleChat(ctx, user=user, out=io.StringIO(), folder=folder)


def shown(chat, text):
    chat.out.seek(0)
    chat.out.truncate()
    for reply in chat.handle(text):
        chat.show(reply)
    return chat.out.getvalue()


@pytest.mark.parametrize("text,corrected", [
    ("打咔 组织青年大学习第13期", "打卡 组织青年大学习第13期"),
    ("打咔组织青年大学习第13期", "打卡 组织青年大学习第13期"),
    ("截至 添加 2026-12-31 提交年度考核材料", "截止 添加 2026-12-31 提交年度考核材料"),
    ("截至添加 12月31日 材料", "截止 添加 12月31日 材料"),
    ("请加 明天 参加培训", "请假 明天 参加培训"),
    ("城事 枣庄", "城市 枣庄"),
    ("导出 十一月份", None),  # not a near miss: the command itself
    ("进渡", "进度"),
    ("chekin 组织青年大学习第13期", "打卡 组织青年大学习第13期"),
    ("hepl deadlines", "帮助 deadlines"),
])
def test_a_near_miss_gets_the_corrected_command_as_a_choice(ctx, text, corrected):
    chat = console(ctx)
    out = shown(chat, text)
    if corrected is None:
        assert "您是不是想用" not in out
        return
    name = corrected.split()[0]
    assert out.startswith(f"您是不是想用“{name}”？\n  {corrected}\n"), out
    assert "[1] " in out and "[2] 当作问题回答" in out
    assert ctx.store.pages.get("console", chat.user)["choices"][0][1] == corrected  # what "1" would run


def test_picking_the_suggestion_runs_the_corrected_command(ctx):
    chat = console(ctx, user="u1")
    shown(chat, "打咔 组织青年大学习第13期")
    assert "✅ 已打卡" in shown(chat, "1")
    assert "打卡）：组织青年大学习第13期" in shown(chat, "打卡 历史")


def test_the_other_choice_answers_it_as_a_question(ctx):
    chat = console(ctx)
    shown(chat, "截至 添加 2026-12-31 提交年度考核材料")
    out = shown(chat, "2")
    assert "您是不是想用" not in out and "已添加" not in out and out.strip()


@pytest.mark.parametrize("text", ["截至目前团员多少人", "截至2020年底全市有多少团员", "打咔是什么意思",
                                  "大咖分享会有哪些", "城事 团委怎么", "请加微信", "截至"])
def test_a_question_that_starts_with_a_near_miss_is_still_a_question(ctx, text):
    out = shown(console(ctx), text)
    assert "您是不是想用" not in out, out


def test_a_member_is_not_offered_an_admin_command(ctx):
    out = shown(console(ctx, user="u1"), "通值 本周五下午三点召开团干部例会")
    assert "您是不是想用" not in out
    out = shown(console(ctx), "通值 本周五下午三点召开团干部例会")
    assert "您是不是想用“通知”" in out


def test_near_misses_are_homophones_or_one_ascii_edit():
    assert sounds_like("打咔", "打卡") and sounds_like("截至", "截止") and sounds_like("chekin", "checkin")
    assert not sounds_like("打开", "打卡")  # kāi is not kǎ
    assert not sounds_like("大咖", "打卡")  # a different word altogether: both characters differ
    assert not sounds_like("打卡", "打卡") and not sounds_like("fax", "faq")


# ---------------------------------------------------------------- 帮助 <命令>

@pytest.mark.parametrize("text,name", [("帮助 打卡", "打卡"), ("help deadlines", "截止"), ("帮助 截止", "截止"),
                                       ("帮助打卡", "打卡"), ("/help checkin", "打卡"), ("帮助 /导出", "导出")])
def test_help_for_one_command_shows_only_it_with_its_examples(ctx, text, name):
    out = shown(console(ctx), text)
    cmd = parse(name)[0]
    assert out.startswith(f"{cmd.name} / {cmd.alias}"), out
    assert "例子：" in out
    for example, _ in cmd.examples:
        assert f"  {example}" in out
    others = [c for c in commands() if c is not cmd and c.name not in out.split("例子：")[0]]
    assert not any(f"{c.name} / {c.alias} —" in out for c in others)  # not the whole list


def test_help_for_an_admin_command_tells_a_member_who_may_use_it(ctx):
    out = shown(console(ctx, user="u1"), "帮助 通知")
    assert "通知 本周五下午三点召开团干部例会" in out and "只有管理员可以使用" in out


def test_help_for_an_unknown_command_lists_the_commands_and_suggests_the_near_miss(ctx):
    chat = console(ctx, user="u1")
    out = shown(chat, "帮助 打咔")
    assert "没有“打咔”这个命令。您是不是想查“打卡”？" in out and "请假" in out
    assert "打卡 / checkin" in shown(chat, "1")
    out = shown(chat, "帮助 天气预报")
    assert "没有“天气预报”这个命令" in out and "帮助 打卡" in out and "通知" not in out  # a member's list


def test_every_listed_command_has_examples_that_are_that_command(ctx):
    for cmd in commands():
        assert cmd.examples, f"{cmd.name} has no examples in its docstring"
        for example, note in cmd.examples:
            found, _ = parse(example, ctx)
            assert found is cmd or (found is None and cmd.alias == "ask"), (cmd.name, example)
            assert note, (cmd.name, example)  # each example says what it does


def test_after_an_answer_1_is_its_more_not_an_older_choice(ctx):
    chat = console(ctx, user="u9")
    shown(chat, "打咔 组织青年大学习第13期")  # choices offered, not taken
    answer = shown(chat, "志愿服务")
    assert answer.rstrip().endswith("更多：回复 1")
    assert "✅ 已打卡" not in shown(chat, "1")
    assert ctx.store.checkins.count() == 0


def test_a_pick_offered_in_one_console_session_is_taken_in_the_next(ctx):
    shown(console(ctx, user="u10"), "打咔 组织青年大学习第13期")
    assert "✅ 已打卡" in shown(console(ctx, user="u10"), "1")

"""The command registry: every command has help, every name a user types reaches its own command, both spellings route."""
import pytest

from handlers.core import router
from handlers.core.router import commands, dispatch, parse
from handlers.core.types import Choice, Reply
from conftest import message, operator


def test_every_command_has_help_and_a_valid_ascii_alias():
    for cmd in commands(include_hidden=True):
        assert cmd.help, f"{cmd.name} has no docstring help"
        assert router.ASCII_ALIAS.fullmatch(cmd.alias)


def test_every_name_of_every_command_reaches_that_command():
    # What a user types — 打卡, /checkin, CHECKIN@tuanwu_bot, an extra alias — lands on the command the
    # help lists it under, never on another one or on the question fallback.
    for cmd in commands(include_hidden=True):
        for name in cmd.names:
            for typed in (name, f"/{name}", f"/{name}@tuanwu_bot", name.upper()):
                found, _ = parse(typed)
                assert found is not None and found.name == cmd.name, f"{typed!r} → {found and found.name}"


def test_registering_a_name_twice_fails_at_import_not_in_a_chat():
    router.load_features()
    with pytest.raises(ValueError, match="registered twice"):
        router.command("帮助", "assist")(lambda ctx, msg, args: "")
    assert parse("帮助")[0].alias == "help"  # the first registration still answers


def test_chinese_and_ascii_aliases_with_or_without_slash():
    for text in ("帮助", "/帮助", "help", "/help", "/help@tuanwu_bot", "／帮助"):
        cmd, _ = parse(text)
        assert cmd is not None and cmd.alias == "help", text


def test_a_question_that_starts_like_a_command_is_still_a_question():
    cmd, rest = parse("问题是入团要多久")
    assert cmd is None and rest == "问题是入团要多久"


def test_group_chatter_not_addressed_to_the_bot_gets_no_reply(ctx):
    assert dispatch(ctx, message("今天天气不错", chat_type="group", addressed=False)) == []


def test_a_failing_handler_is_answered_with_an_apology(ctx, monkeypatch):
    def boom(*a):
        raise RuntimeError("kaput")

    monkeypatch.setattr(ctx.kb, "ask", boom)
    replies = dispatch(ctx, message("入团前需要参加多少学时的团课？"))
    assert len(replies) == 1 and "出错" in replies[0].text


def test_help_lists_commands_from_the_registry(ctx):
    text = dispatch(ctx, operator("帮助"))[0].text  # a global admin may use every command
    for cmd in commands():
        assert cmd.name in text and cmd.alias in text


def test_help_shows_each_role_what_it_may_use(ctx):
    member = dispatch(ctx, message("帮助", platform="telegram"))[0].text
    group_admin = dispatch(ctx, message("帮助", platform="telegram", chat_id="-5", chat_type="group",
                                        chat_admin=True))[0].text
    admin = dispatch(ctx, operator("帮助"))[0].text
    for global_only in ("通知 / broadcast", "未答 / unanswered", "管理员 / admins"):
        assert global_only not in member and global_only not in group_admin and global_only in admin
    assert "打卡 / checkin" in member and "订阅 / subscribe" in group_admin
    assert "本群的群管理员" in group_admin and "您是管理员" in admin


def test_a_first_private_message_is_followed_by_the_region_choice_once(ctx):
    new = message("入团要多久", platform="telegram", user="501")
    offer = router.first_contact(ctx, new, known=False)
    assert len(offer) == 1 and offer[0].choices and "地区" in offer[0].text
    assert router.first_contact(ctx, new, known=True) == []  # seen before: no offer
    group = message("入团要多久", platform="telegram", user="502", chat_id="-100", chat_type="group")
    assert router.first_contact(ctx, group, known=False) == []  # not in a group
    dispatch(ctx, router.replace(new, text="城市 枣庄"))
    assert router.first_contact(ctx, new, known=False) == []  # a region is already set


def test_a_bare_number_picks_the_last_offered_choice_on_every_platform():
    offer = Reply("请选择：", choices=(Choice("东莞", "city 东莞"), Choice("枣庄", "city 枣庄")))
    choices = router.offered([offer, Reply("另一条回复")])
    assert router.picked("2", choices) == "city 枣庄" and router.picked("２", choices) == "city 枣庄"
    assert router.picked("3", choices) is None and router.picked("2 个", choices) is None
    assert router.offered([Reply("答案……更多：回复 1")]) == ()  # then "1" is the answer's 更多, not a pick

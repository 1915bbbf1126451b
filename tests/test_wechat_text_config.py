"""Byte-limited cuts that never break a character, choices as numbers, and the environment checked up front."""
from __future__ import annotations

import pytest

from handlers.adapters.wechat_config import ConfigError, WeChatConfig, robots_from
from handlers.adapters.wechat_text import MORE_NOTE, fit, render, split
from handlers.core.router import picked
from handlers.core.types import Choice, Reply
from wechat_harness import OA_ENV, WECOM_ENV


def test_a_cut_never_splits_a_character_even_without_a_line_or_sentence_end():
    text = "团" * 700 + "🎉" * 300  # 3-byte and 4-byte characters, no line breaks, no punctuation
    page, rest = fit(text)
    assert len(page.encode()) <= 2048 and page.endswith(MORE_NOTE)
    page.encode().decode()  # valid UTF-8
    assert page.removesuffix(MORE_NOTE) + rest == text


def test_a_cut_prefers_the_end_of_a_line_then_of_a_sentence():
    lines = [f"第{n}条：各级团组织要认真落实“三会两制一课”制度。" for n in range(80)]
    page, rest = fit("\n".join(lines))
    assert page.removesuffix(MORE_NOTE) in ["\n".join(lines[:k]) for k in range(1, 80)]
    sentences = "".join(lines)
    page, rest = fit(sentences)
    assert page.removesuffix(MORE_NOTE).endswith("。")


def test_split_keeps_every_character_once_in_order():
    text = "\n".join(f"{n}. 青年大学习第{n}期参与率统计" for n in range(300))
    pages = split(text)
    assert all(len(p.encode()) <= 2048 for p in pages) and len(pages) > 1
    assert "\n".join(pages) == text


def test_choices_become_a_numbered_list_and_a_number_picks_one():
    reply = Reply("请选择所在地区：", choices=(Choice("东莞", "city 东莞"), Choice("枣庄", "city 枣庄")))
    assert render(reply) == "请选择所在地区：\n回复数字选择：\n1. 东莞\n2. 枣庄"
    assert picked(" 2 ", reply.choices) == "city 枣庄"
    assert picked("3", reply.choices) is None and picked("0", reply.choices) is None
    assert picked("20学时", reply.choices) is None


def test_configuration_comes_from_the_environment_with_safe_defaults():
    oa = WeChatConfig.from_env(OA_ENV, "wechat")
    assert (oa.host, oa.port, oa.can_push) == ("127.0.0.1", 8080, True)
    wecom = WeChatConfig.from_env({**WECOM_ENV, "WECOM_PORT": "9001", "WECOM_API_BASE": "http://127.0.0.1:1/cgi-bin"},
                                  "wecom")
    assert (wecom.port, wecom.agent_id, wecom.api_base) == (9001, 1000002, "http://127.0.0.1:1/cgi-bin/")
    for config in (oa, wecom):
        shown = repr(config)
        assert config.token not in shown and config.aes_key not in shown and config.secret not in shown


@pytest.mark.parametrize("env,product,named", [
    ({}, "wechat", "WECHAT_TOKEN"),
    ({"WECHAT_TOKEN": "t", "WECHAT_AES_KEY": "tooshort", "WECHAT_APPID": "wx1"}, "wechat", "WECHAT_AES_KEY"),
    ({"WECHAT_TOKEN": "t", "WECHAT_AES_KEY": OA_ENV["WECHAT_AES_KEY"]}, "wechat", "WECHAT_APPID"),
    ({"WECOM_TOKEN": "t"}, "wecom", "WECOM_AES_KEY"),
    ({**WECOM_ENV, "WECOM_AGENT_ID": "abc"}, "wecom", "WECOM_AGENT_ID"),
    ({**WECOM_ENV, "WECOM_PORT": "80000"}, "wecom", "WECOM_PORT"),
    ({**WECOM_ENV, "WECOM_ROBOT_URLS": "团委群=ftp://x"}, "wecom", "WECOM_ROBOT_URLS"),
])
def test_a_bad_setting_is_named_in_the_error(env, product, named):
    with pytest.raises(ConfigError, match=named):
        WeChatConfig.from_env(env, product)


def test_robot_urls_are_named_entries_or_bare_urls():
    robots = robots_from({"WECOM_ROBOT_URLS": "团委群=https://h/cgi-bin/webhook/send?key=a, https://h/cgi-bin/webhook/send?key=b"})
    assert [r.name for r in robots] == ["团委群", "robot2"]
    assert robots[1].url.endswith("key=b") and "key=" not in repr(robots)
    with pytest.raises(ConfigError, match="重复"):
        robots_from({"WECOM_ROBOT_URLS": "a=https://x/1,a=https://x/2"})

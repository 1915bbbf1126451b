"""The webhook end to end on 127.0.0.1: WeChat's signed (and encrypted) callbacks in, passive replies out,
late results through a local stub of the customer-service / app-message API."""
from __future__ import annotations

import asyncio
import time

import pytest

from handlers.core import router
from handlers.adapters.wechat_adapter import NOT_TEXT, WORKING, WORKING_NO_PUSH
from handlers.adapters.wechat_text import MORE_NOTE, TEXT_LIMIT
from handlers.core.small_talk import WELCOME
from handlers.core.regions import label
from handlers.core.types import Attachment, Reply
from conftest import message
from wechat_harness import PLAIN, until, webhook

QUESTION = "入团前需要参加多少学时的团课？"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def run(coro):
    return asyncio.run(coro)


def assert_cited(content: str) -> None:
    assert "20学时" in content and "8学时" in content
    assert "《东莞共青团2017年工作要点》" in content and "《枣庄共青团2020年工作要点》" in content


@pytest.mark.parametrize("safe", [False, True], ids=["plain", "safe"])
def test_official_account_answers_a_question_with_its_sources(ctx, safe):
    async def scenario():
        async with webhook(ctx, "wechat", env=None if safe else PLAIN) as h:
            status, reply, raw = await h.wechat.post(h.session, h.wechat.text("oUser1", QUESTION), safe=safe)
            assert status == 200
            assert ("<Encrypt>" in raw) == safe and ("学时" in raw) != safe  # safe mode never shows plaintext
            assert reply["ToUserName"] == "oUser1" and reply["FromUserName"] == "gh_test"
            assert reply["MsgType"] == "text"
            assert_cited(reply["Content"])

    run(scenario())


def test_wecom_app_answers_a_question_with_its_sources_encrypted(ctx):
    async def scenario():
        async with webhook(ctx, "wecom") as h:
            status, reply, raw = await h.wechat.post(h.session, h.wechat.text("zhangsan", QUESTION))
            assert status == 200 and "<Encrypt>" in raw and "学时" not in raw
            assert reply["ToUserName"] == "zhangsan" and reply["AgentID"] == "1000002"
            assert_cited(reply["Content"])

    run(scenario())


LONG_CANDIDATES = ("志愿服务", "团干部", "学习", "青年大学习", "截止 全部", "帮助")  # answers are phone-sized now: lists are the long replies


def long_question(ctx, product: str) -> tuple[str, str]:
    """A message whose real answer is over 2,048 bytes (which one depends on how search is tuned)."""
    for text in LONG_CANDIDATES:
        full = router.dispatch(ctx, message(text, user="reference", platform=product))[0].text
        if len(full.encode()) > TEXT_LIMIT + 200 and "\n" in full:
            return text, full
    raise AssertionError(f"precondition: none of {LONG_CANDIDATES} has a long answer any more")


@pytest.mark.parametrize("product", ["wechat", "wecom"])
def test_a_long_answer_is_cut_at_2048_bytes_and_more_sends_the_rest(ctx, product):
    question, full = long_question(ctx, product)

    async def scenario():
        async with webhook(ctx, product) as h:
            pages = [(await h.say("u-long", question))["Content"]]
            while pages[-1].endswith(MORE_NOTE) and len(pages) < 10:
                pages.append((await h.say("u-long", "更多"))["Content"])
            assert len(pages) > 1 and all(len(p.encode()) <= TEXT_LIMIT for p in pages)
            shown = [p.removesuffix(MORE_NOTE) for p in pages]
            assert "\n".join(shown) == full  # every page cut at the end of a line; nothing lost or repeated
            # nothing more to come: "更多" is now an ordinary message again, not another page
            assert (await h.say("u-long", "更多"))["Content"] not in full

    run(scenario())


def test_a_retried_message_gets_the_same_reply_and_runs_the_handler_once(ctx):
    calls = []

    def counting(c, msg):
        calls.append(msg.text)
        time.sleep(0.2)  # still working when the retry arrives
        return router.dispatch(c, msg)

    async def scenario():
        async with webhook(ctx, "wechat", dispatch=counting) as h:
            xml = h.wechat.text("oUser2", QUESTION)
            # WeChat retries while the first delivery is still being answered, then twice more later
            first = await asyncio.gather(*(h.wechat.post(h.session, xml, safe=True) for _ in range(2)))
            later = [await h.wechat.post(h.session, xml, safe=True) for _ in range(2)]
            contents = {reply["Content"] for _, reply, _ in first + later}
            assert len(contents) == 1
            assert_cited(contents.pop())
            assert calls == [QUESTION]

    run(scenario())


def test_subscribe_gets_a_welcome_with_the_region_choice_once_and_a_number_picks_it(ctx):
    async def scenario():
        async with webhook(ctx, "wechat") as h:
            event = h.wechat.event("oNewFan", "subscribe")
            replies = [(await h.wechat.post(h.session, event, safe=True))[1] for _ in range(2)]
            assert replies[0] == replies[1]  # the retried event (same user + CreateTime) is answered once
            welcome = replies[0]["Content"]
            assert welcome.startswith(WELCOME)
            regions = ctx.kb.regions
            for n, region in enumerate(regions, 1):
                assert f"{n}. {label(ctx, region)}" in welcome  # 某县（团县委2020）: as the document says
            picked = (await h.say("oNewFan", "2"))["Content"]
            assert label(ctx, regions[1]) in picked
            assert ctx.store.profiles.region("wechat", "oNewFan") == regions[1]

    run(scenario())


def test_an_image_message_gets_a_clear_text_only_note(ctx):
    async def scenario():
        async with webhook(ctx, "wecom") as h:
            xml = h.wechat.text("lisi", "x").replace("<MsgType><![CDATA[text]]>", "<MsgType><![CDATA[image]]>")
            assert (await h.wechat.post(h.session, xml))[1]["Content"] == NOT_TEXT

    run(scenario())


def slow(delay, only: str | None = None):
    def dispatch(c, msg):
        if only is None or msg.text == only:
            time.sleep(delay)
        return router.dispatch(c, msg)
    return dispatch


@pytest.mark.parametrize("product,path", [("wechat", "/message/custom/send"), ("wecom", "/message/send")])
def test_an_answer_past_the_deadline_is_acknowledged_then_pushed(ctx, product, path):
    async def scenario():
        async with webhook(ctx, product, dispatch=slow(0.6), deadline=0.1) as h:
            t0 = time.monotonic()
            assert (await h.say("u-slow", QUESTION))["Content"] == WORKING
            assert time.monotonic() - t0 < 0.5
            await until(lambda: h.stub.sent(path))
            [sent] = h.stub.sent(path)
            assert sent["touser"] == "u-slow" and sent["msgtype"] == "text"
            assert_cited(sent["text"]["content"])
            if product == "wecom":
                assert sent["agentid"] == 1000002 and sent["enable_duplicate_check"] == 1
            assert h.stub.calls[0][1].get("secret" if product == "wechat" else "corpsecret")  # token fetched

    run(scenario())


def test_without_push_credentials_a_late_answer_waits_for_more(ctx):
    async def scenario():
        async with webhook(ctx, "wechat", dispatch=slow(0.4, only=QUESTION), deadline=0.1, push=False) as h:
            assert (await h.say("u-nopush", QUESTION))["Content"] == WORKING_NO_PUSH
            # the late answer itself, not only the rest its handler kept for "更多" while it ran
            await until(lambda: "学时" in (ctx.store.pages.get("wechat", "u-nopush") or {}).get("more", ""))
            assert_cited((await h.say("u-nopush", "更多"))["Content"])
            assert h.stub.calls == []

    run(scenario())


def chart(c, msg):
    return [Reply("本周打卡率：", attachment=Attachment("photo", "week.png", PNG, "image/png"))]


@pytest.mark.parametrize("product", ["wechat", "wecom"])
def test_a_reply_with_a_file_answers_at_once_and_pushes_the_file(ctx, product):
    async def scenario():
        async with webhook(ctx, product, dispatch=chart) as h:
            content = (await h.say("u-chart", "周报"))["Content"]
            assert content.startswith("本周打卡率：") and "week.png 正在生成" in content
            await h.server.pusher.drain()
            [upload] = h.stub.sent("/media/upload")
            assert upload == {"filename": "week.png", "size": len(PNG)}
            [sent] = h.stub.sent("/message/custom/send" if product == "wechat" else "/message/send")
            assert sent["touser"] == "u-chart" and sent["msgtype"] == "image"
            assert sent["image"]["media_id"] == "stub-media-1"

    run(scenario())


def export(c, msg):
    return [Reply("11月打卡导出：", attachment=Attachment("document", "11月工作开展情况表.xlsx", b"PK\x03\x04 fake"))]


def test_an_export_reaches_a_wecom_member_as_a_file_with_its_chinese_name(ctx):
    async def scenario():
        async with webhook(ctx, "wecom", dispatch=export) as h:
            assert "11月工作开展情况表.xlsx 正在生成" in (await h.say("wangwu", "导出"))["Content"]
            await h.server.pusher.drain()
            assert h.stub.sent("/media/upload") == [{"filename": "11月工作开展情况表.xlsx", "size": 9}]
            [sent] = h.stub.sent("/message/send")
            assert sent["msgtype"] == "file" and sent["file"]["media_id"] == "stub-media-1"

    run(scenario())


def test_on_the_official_account_an_export_explains_that_files_cannot_be_sent_there(ctx):
    async def scenario():
        async with webhook(ctx, "wechat", dispatch=export) as h:
            await h.say("oFan", "导出")
            await h.server.pusher.drain()
            [sent] = h.stub.sent("/message/custom/send")
            assert "无法通过公众号发送" in sent["text"]["content"] and h.stub.sent("/media/upload") == []

    run(scenario())


def test_many_messages_at_once_are_all_answered_each_exactly_once(ctx):
    """Handlers run in several threads at once; each has its own SQLite connection (a shared one breaks)."""
    calls = []

    def counting(c, msg):
        calls.append(msg.event_key)
        return router.dispatch(c, msg)

    async def scenario():
        async with webhook(ctx, "wecom", dispatch=counting) as h:
            xmls = [h.wechat.text(f"user{n % 5}", QUESTION) for n in range(40)]
            results = await asyncio.gather(*(h.wechat.post(h.session, x) for x in xmls + xmls[:10]))
            for status, reply, _ in results:
                assert status == 200
                assert_cited(reply["Content"])

    run(scenario())
    assert len(calls) == len(set(calls)) == 40


def test_a_real_check_in_chart_and_export_reach_a_wecom_member(ctx):
    """The check-in feature's own 周报 (PNG chart) and 导出 (xlsx), not stand-ins: text at once, files pushed."""
    async def scenario():
        async with webhook(ctx, "wecom") as h:
            assert "打卡" in (await h.say("zhaoliu", "打卡 组织青年大学习第12期学习，参与率92%"))["Content"]
            for command, kind in (("周报", "image"), ("导出", "file")):
                content = (await h.say("zhaoliu", command))["Content"]
                assert "正在生成" in content, content
                await until(lambda: any(s["msgtype"] == kind for s in h.stub.sent("/message/send")))
            (png_name, png), (xlsx_name, xlsx) = h.stub.files
            assert png_name.endswith(".png") and png.startswith(b"\x89PNG")
            assert xlsx_name.endswith(".xlsx") and xlsx.startswith(b"PK")  # a zip: an xlsx workbook

    run(scenario())


@pytest.mark.parametrize("product", ["wechat", "wecom"])
def test_reply_1_or_more_shows_the_rest_of_the_answer(ctx, product):
    async def scenario():
        async with webhook(ctx, product) as h:
            first = (await h.say("u-more", "志愿服务"))["Content"]
            assert first.endswith("更多：回复 1")
            rest = (await h.say("u-more", "1"))["Content"]
            assert rest.startswith("（接上条）") and "›" in rest  # the full citations
            pages = 1
            while rest.endswith(MORE_NOTE) and pages < 5:  # a rest over 2,048 bytes comes in pages too
                rest, pages = (await h.say("u-more", "更多"))["Content"], pages + 1
            assert (await h.say("u-more", "更多"))["Content"].startswith("没有更多内容")
            await h.say("u-more", QUESTION)  # a new answer: "更多" shows its rest, not the old one's
            later = (await h.say("u-more", "更多"))["Content"]
            assert "《东莞共青团2017年工作要点》" in later and "志愿" not in later

    run(scenario())

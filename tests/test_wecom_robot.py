"""Group broadcasts through WeCom robots, and app messages, against a local stub that enforces WeCom's limits:
the robot's 20 per rolling minute is kept by our limiter, and a 45009 is "retry", never "failed"."""
from __future__ import annotations

import asyncio
import base64
import hashlib
import socket

from handlers.adapters.wechat_config import Robot, WeChatConfig
from handlers.adapters.wechat_senders import WeComAppSender, WeComSender
from handlers.adapters.wecom_robot import WeComRobotSender, upload_url
from handlers.core.types import Attachment, Reply
from wechat_fakes import StubAPI, serving
from wechat_harness import WECOM_ENV


def run(coro):
    return asyncio.run(coro)


def notice(n: int, robot: str = "团委群") -> Reply:
    return Reply(f"【通知】第{n}号：请于周五前提交年度考核材料。", platform="wecom", chat_id=f"robot:{robot}")


async def robot_sender(clock, stub_url: str, **robots: str) -> WeComRobotSender:
    return WeComRobotSender(tuple(Robot(name, f"{stub_url}/cgi-bin/webhook/send?key={key}")
                                  for name, key in robots.items()), clock)


def test_a_burst_of_25_broadcasts_sends_20_then_waits_for_the_rolling_minute(clock):
    stub = StubAPI(clock)

    async def scenario():
        async with serving(stub.app()) as url:
            sender = await robot_sender(clock, url, 团委群="k1", 青年群="k2")
            results = []
            for n in range(25):
                results.append(await sender.send(notice(n)))
                clock.advance(seconds=1)
            assert [r.status for r in results] == ["sent"] * 20 + ["retry"] * 5
            # the wait is what is left of the minute since the first send, not a blind back-off
            assert 35 <= results[20].retry_after <= 40
            assert (await sender.send(notice(99, "青年群"))).status == "sent"  # each robot has its own minute
            waited, pending = 0.0, list(range(20, 25))
            while pending:  # as the scheduler does: wait what the sender says, then try again
                result = await sender.send(notice(pending[0]))
                if result.status == "retry":
                    assert result.retry_after > 0
                    clock.advance(seconds=result.retry_after)
                    waited += result.retry_after
                    continue
                assert result.status == "sent"
                pending.pop(0)
            assert waited <= 60  # the 20 sent went out over 20 s, so their slots free up one by one
            await sender.close()

    run(scenario())
    texts = [body["text"]["content"] for body in stub.sent("/webhook/send")]
    assert len(texts) == 26 and len(set(texts)) == 26  # every notice once, none twice
    assert stub.robot_refused == 0 and stub.robot_max_in_window == 20


def test_a_45009_from_a_robot_shared_with_another_program_is_retry_not_failed(clock):
    stub = StubAPI(clock)

    async def scenario():
        async with serving(stub.app()) as url:
            stub.preload_robot("k1", 18)  # someone else's messages this minute
            sender = await robot_sender(clock, url, 团委群="k1")
            results = [await sender.send(notice(n)) for n in range(3)]
            assert [r.status for r in results] == ["sent", "sent", "retry"]
            assert results[2].retry_after == 60 and "45009" in results[2].detail
            clock.advance(seconds=61)
            assert (await sender.send(notice(2))).status == "sent"
            await sender.close()

    run(scenario())
    assert stub.robot_refused == 1


def test_a_long_notice_goes_in_parts_and_a_retry_resumes_after_the_parts_delivered(clock):
    stub = StubAPI(clock)
    long_notice = Reply("\n".join(f"{n}. 各基层团组织要按时完成团员教育评议工作，材料报团委组织部。" for n in range(60)),
                        platform="wecom", chat_id="robot:团委群")

    async def scenario():
        async with serving(stub.app()) as url:
            stub.preload_robot("k1", 19)
            sender = await robot_sender(clock, url, 团委群="k1")
            first = await sender.send(long_notice)
            assert first.status == "retry"  # part 1 went out, part 2 hit the limit
            clock.advance(seconds=61)
            assert (await sender.send(long_notice)).status == "sent"
            await sender.close()

    run(scenario())
    parts = [body["text"]["content"] for body in stub.sent("/webhook/send")]
    assert len(parts) == 3 and all(len(p.encode()) <= 2048 for p in parts)
    assert "\n".join(parts) == long_notice.text  # whole, in order, nothing repeated


def test_markdown_image_and_file_messages(clock):
    stub = StubAPI(clock)

    async def scenario():
        async with serving(stub.app()) as url:
            sender = await robot_sender(clock, url, 团委群="k1")
            md = Reply("**截止提醒**：<font color=\"warning\">12月31日</font>", platform="wecom",
                       chat_id="robot:团委群", data={"format": "markdown"})
            assert (await sender.send(md)).status == "sent"
            png = Attachment("photo", "week.png", b"\x89PNG fake", "image/png")
            assert (await sender.send(Reply("", attachment=png, platform="wecom", chat_id="robot:团委群"))).status == "sent"
            xlsx = Attachment("document", "考核.xlsx", b"PK fake xlsx")
            assert (await sender.send(Reply("", attachment=xlsx, platform="wecom", chat_id="robot:团委群"))).status == "sent"
            assert (await sender.send(notice(1, "不存在的群"))).status == "failed"
            await sender.close()

    run(scenario())
    kinds = [body["msgtype"] for body in stub.sent("/webhook/send")]
    assert kinds == ["markdown", "image", "file"]
    image, file = stub.sent("/webhook/send")[1:]
    assert base64.b64decode(image["image"]["base64"]) == b"\x89PNG fake"
    assert image["image"]["md5"] == hashlib.md5(b"\x89PNG fake").hexdigest()
    assert stub.sent("/webhook/upload_media") == [{"filename": "考核.xlsx", "size": 12}]
    assert file["file"]["media_id"] == "stub-robot-media"
    assert upload_url("https://h/cgi-bin/webhook/send?key=K") == "https://h/cgi-bin/webhook/upload_media?key=K&type=file"


def test_an_unreachable_robot_is_retry_and_a_missing_sender_is_failed(clock):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket is closed

    async def scenario():
        sender = WeComSender(app=None, robots=await robot_sender(clock, f"http://127.0.0.1:{port}", 团委群="k1"))
        result = await sender.send(notice(1))
        assert result.status == "retry" and result.retry_after > 0
        assert (await sender.send(Reply("hi", platform="wecom", chat_id="zhangsan"))).status == "failed"
        await sender.robots.close()

    run(scenario())


def test_app_messages_carry_the_duplicate_check_and_stop_at_30_per_member_per_minute(clock):
    stub = StubAPI(clock)

    async def scenario():
        async with serving(stub.app()) as url:
            config = WeChatConfig.from_env({**WECOM_ENV, "WECOM_API_BASE": f"{url}/cgi-bin/"}, "wecom")
            app = WeComAppSender(config, clock)
            results = [await app.send(Reply(f"提醒 {n}", platform="wecom", chat_id="zhangsan")) for n in range(31)]
            assert [r.status for r in results] == ["sent"] * 30 + ["retry"]
            assert (await app.send(Reply("提醒", platform="wecom", chat_id="lisi"))).status == "sent"

    run(scenario())
    sent = stub.sent("/message/send")
    assert len(sent) == 31 and {s["enable_duplicate_check"] for s in sent} == {1}
    assert sent[0]["touser"] == "zhangsan" and sent[0]["agentid"] == 1000002

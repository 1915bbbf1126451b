"""Forged, replayed, malformed and malicious callbacks: refused with 403 / 400 / 413, fast, never a 500,
never answered, and no secret in any log line."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time

import pytest

from handlers.adapters.wechat_config import WeChatConfig
from handlers.core.types import Reply
from wechat_fakes import encrypt, sign
from wechat_harness import OA_ENV, PLAIN, SECRETS, WECOM_ENV, until, webhook

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE xml [
 <!ENTITY a "ha">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
 <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
 <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[oEvil]]></FromUserName>
<CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>&i;</Content><MsgId>1</MsgId></xml>"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[oEvil]]></FromUserName>
<CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>&xxe;</Content><MsgId>2</MsgId></xml>"""
MALFORMED = [
    "<xml><MsgType><![CDATA[text]]></MsgType><Content>unclosed",  # not well-formed
    "this is not XML at all",
    "<other><FromUserName>u</FromUserName><MsgType>text</MsgType></other>",  # wrong root
    "<xml><FromUserName><![CDATA[u]]></FromUserName></xml>",  # no MsgType
    "<xml><FromUserName><a>nested</a></FromUserName><MsgType>text</MsgType><Content>x</Content></xml>",
    "<xml><FromUserName>u</FromUserName><MsgType>text</MsgType><Content>x</Content><MsgId>abc</MsgId></xml>",
    "",
]


async def post(h, query, body):
    async with h.session.post(h.wechat.url, params=query, data=body) as resp:
        return resp.status, await resp.text()


def run(coro):
    return asyncio.run(coro)


def mode(product: str, safe: bool) -> dict | None:
    """The official account in plain mode has no AES key configured (with one, plaintext is refused)."""
    return PLAIN if product == "wechat" and not safe else None


@pytest.mark.parametrize("product,safe", [("wechat", False), ("wechat", True), ("wecom", True)])
def test_a_bad_signature_is_403_and_never_reaches_the_handler(ctx, product, safe):
    calls = []

    async def scenario():
        async with webhook(ctx, product, env=mode(product, safe), dispatch=lambda c, m: calls.append(m) or []) as h:
            query, body = h.wechat.request(h.wechat.text("oUser", "帮助"), safe=safe)
            name = "msg_signature" if safe else "signature"
            for forged in ({**query, name: "0" * 40}, {k: v for k, v in query.items() if k != name}):
                assert (await post(h, forged, body))[0] == 403
            if product == "wechat" and safe:  # the outer signature is checked as well
                assert (await post(h, {**query, "signature": "0" * 40}, body))[0] == 403
            # a genuine signature over someone else's ciphertext does not carry over
            if safe:
                other_query, other_body = h.wechat.request(h.wechat.text("oUser", "城市"), safe=True)
                assert (await post(h, query, other_body))[0] == 403
            assert (await post(h, query, body))[0] == 200  # and the genuine request works

    run(scenario())
    assert len(calls) == 1


@pytest.mark.parametrize("product", ["wechat", "wecom"])
def test_the_handshake_answers_only_a_correct_signature(ctx, product):
    async def scenario():
        async with webhook(ctx, product) as h:
            query, echo = h.wechat.handshake_query()
            async with h.session.get(h.wechat.url, params=query) as resp:
                assert (resp.status, await resp.text()) == (200, echo)
            name = "signature" if product == "wechat" else "msg_signature"
            async with h.session.get(h.wechat.url, params={**query, name: "f" * 40}) as resp:
                assert resp.status == 403 and echo not in await resp.text()

    run(scenario())


@pytest.mark.parametrize("skew", [-6, +6])
@pytest.mark.parametrize("product,safe", [("wechat", False), ("wechat", True), ("wecom", True)])
def test_a_timestamp_more_than_five_minutes_off_is_refused(ctx, product, safe, skew):
    async def scenario():
        async with webhook(ctx, product, env=mode(product, safe)) as h:
            server_time = ctx.clock.now
            h.wechat.clock = lambda: server_time + dt.timedelta(minutes=skew)  # a replay (or a wrong clock)
            query, body = h.wechat.request(h.wechat.text("oUser", "帮助"), safe=safe)
            assert (await post(h, query, body))[0] == 403
            query, _ = h.wechat.handshake_query()
            async with h.session.get(h.wechat.url, params=query) as resp:
                assert resp.status == 403
            h.wechat.clock = lambda: server_time + dt.timedelta(minutes=skew * 0.6)  # within the window
            query, body = h.wechat.request(h.wechat.text("oUser", "帮助"), safe=safe)
            assert (await post(h, query, body))[0] == 200

    run(scenario())


@pytest.mark.parametrize("body", MALFORMED)
@pytest.mark.parametrize("product,safe", [("wechat", False), ("wechat", True), ("wecom", True)])
def test_malformed_xml_from_a_signed_request_is_400(ctx, product, safe, body):
    async def scenario():
        async with webhook(ctx, product, env=mode(product, safe)) as h:
            query, sealed = h.wechat.request(body, safe=safe)
            assert (await post(h, query, sealed))[0] == 400

    run(scenario())


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
@pytest.mark.parametrize("product,safe", [("wechat", False), ("wechat", True), ("wecom", True)])
def test_entity_attacks_are_400_within_milliseconds(ctx, product, safe, payload):
    """Outside the ciphertext our DTD check stops them; inside it, wechatpy's xmltodict does."""
    async def scenario():
        async with webhook(ctx, product, env=mode(product, safe),
                           dispatch=lambda c, m: pytest.fail("handler reached")) as h:
            query, body = h.wechat.request(payload, safe=safe)
            t0 = time.perf_counter()
            status, text = await post(h, query, body)
            assert status == 400 and "root:" not in text and "haha" not in text
            assert time.perf_counter() - t0 < 0.5
            # the same payload as the envelope of an encrypted request, before any signature check
            if safe:
                status, _ = await post(h, query, payload.encode())
                assert status == 400

    run(scenario())


def test_an_undecryptable_but_signed_ciphertext_is_400(ctx):
    async def scenario():
        async with webhook(ctx, "wecom") as h:
            cases = [("not base64 !!", 400), ("QUJD", 400),  # bad Base64; 3 bytes are no AES block
                     (encrypt(WECOM_ENV["WECOM_AES_KEY"], "<xml/>", "ww-another-corp"), 403)]  # not for us
            for enc, expected in cases:
                ts, nonce = str(int(ctx.clock().timestamp())), "12345"
                query = {"timestamp": ts, "nonce": nonce, "msg_signature": sign(WECOM_ENV["WECOM_TOKEN"], ts, nonce, enc)}
                status, _ = await post(h, query, f"<xml><Encrypt><![CDATA[{enc}]]></Encrypt></xml>")
                assert status == expected, enc

    run(scenario())


def test_an_oversized_body_is_refused_before_it_is_read(ctx):
    async def scenario():
        async with webhook(ctx, "wechat") as h:
            query, _ = h.wechat.request(h.wechat.text("oUser", "帮助"))
            huge = h.wechat.text("oUser", "团" * 40_000)
            assert (await post(h, query, huge.encode()))[0] == 413

    run(scenario())


def test_secrets_never_reach_the_log_or_a_repr(ctx, caplog):
    caplog.set_level(logging.DEBUG)

    async def scenario():
        async with webhook(ctx, "wecom", deadline=0.05, dispatch=slow_answer) as h:
            await h.say("zhangsan", "帮助")  # pushed late: token fetch + app message
            h.server.pusher.later(Reply("通知：周五前提交材料", platform="wecom", chat_id="robot:团委群"))
            query, body = h.wechat.request(h.wechat.text("oUser", "帮助"))
            await post(h, {**query, "msg_signature": "bad"}, body)
            await post(h, query, BILLION_LAUGHS.encode())
            await until(lambda: h.stub.sent("/message/send") and h.stub.sent("/webhook/send"))

    run(scenario())
    logged = caplog.text
    for config in (WeChatConfig.from_env(OA_ENV, "wechat"), WeChatConfig.from_env(WECOM_ENV, "wecom")):
        logged += repr(config)
    assert "refused" in logged
    for secret in SECRETS:
        assert secret not in logged


def slow_answer(c, msg):
    time.sleep(0.15)
    return [Reply("好的")]

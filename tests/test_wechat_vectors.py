"""Tencent's own encryption samples, sent through the running server byte for byte.

Official account: the WXBizMsgCrypt sample (token spamtest, AppID wx2c2769f8efd9abc2). WeCom: the
企业微信 callback sample (token QDG6eK, CorpID wx5823bf96d3bd56c7) — the verify-URL echostr and the
"hello" from "mycreate". The samples date from 2014, so the server's clock is set to their time.
"""
from __future__ import annotations

import asyncio
import datetime as dt

from handlers.core import router
from wechat_fakes import decrypt, fields, sign
from wechat_harness import webhook

OA = {"WECHAT_TOKEN": "spamtest", "WECHAT_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
      "WECHAT_APPID": "wx2c2769f8efd9abc2"}
OA_QUERY = {"msg_signature": "5d197aaffba7e9b25a30732f161a50dee96bd5fa", "timestamp": "1409735669",
            "nonce": "1320562132", "encrypt_type": "aes"}
OA_BODY = (
    "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]>"
    "</FromUserName><CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[abcdteT]]>"
    "</Content><MsgId>6054768590064713728</MsgId><Encrypt><![CDATA[hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655Hu"
    "D0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNl"
    "ZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp"
    "3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5"
    "MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=]]></Encrypt></xml>")

WECOM = {"WECOM_TOKEN": "QDG6eK", "WECOM_AES_KEY": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
         "WECOM_CORPID": "wx5823bf96d3bd56c7"}
WECOM_VERIFY = {"msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "timestamp": "1409659589",
                "nonce": "263014780",
                "echostr": "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="}
WECOM_QUERY = {"msg_signature": "477715d11cdb4164915debcba66cb864d751f3e6", "timestamp": "1409659813",
               "nonce": "1372623149"}
WECOM_BODY = (
    "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK"
    "1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM"
    "6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LU"
    "Mnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6B"
    "pNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==]]></Encrypt>\n"
    "<AgentID><![CDATA[218]]></AgentID>\n</xml>")


def at(ctx, timestamp: str) -> None:
    ctx.clock.now = dt.datetime.fromtimestamp(int(timestamp), dt.timezone.utc)


def recording():
    calls = []

    def dispatch(c, msg):
        calls.append((msg.platform, msg.user_id, msg.text, msg.event_key))
        return router.dispatch(c, msg)
    return calls, dispatch


def open_reply(raw: str, token: str, key: str, app_id: str) -> dict:
    outer = fields(raw)
    assert outer["MsgSignature"] == sign(token, outer["TimeStamp"], outer["Nonce"], outer["Encrypt"])
    return fields(decrypt(key, outer["Encrypt"], app_id))


def test_the_official_account_sample_message_is_decrypted_answered_and_sealed(ctx):
    at(ctx, OA_QUERY["timestamp"])
    calls, dispatch = recording()

    async def scenario():
        async with webhook(ctx, "wechat", env=OA, dispatch=dispatch) as h:
            async with h.session.post(h.url + "/wechat", params=OA_QUERY, data=OA_BODY) as resp:
                assert resp.status == 200
                raw = await resp.text()
            reply = open_reply(raw, "spamtest", OA["WECHAT_AES_KEY"], OA["WECHAT_APPID"])
            assert reply["ToUserName"] == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
            assert reply["FromUserName"] == "gh_10f6c3c3ac5a" and reply["Content"]
            # one byte changed in the ciphertext: the signature no longer matches
            tampered = OA_BODY.replace("hyzAe4", "hyzAe5")
            async with h.session.post(h.url + "/wechat", params=OA_QUERY, data=tampered) as resp:
                assert resp.status == 403

    asyncio.run(scenario())
    assert calls == [("wechat", "oyORnuP8q7ou2gfYjqLzSIWZf0rs", "abcdteT", "6054768590064713728")]


def test_the_wecom_sample_verify_url_returns_the_decrypted_echostr(ctx):
    at(ctx, WECOM_VERIFY["timestamp"])

    async def scenario():
        async with webhook(ctx, "wecom", env=WECOM) as h:
            async with h.session.get(h.url + "/wecom", params=WECOM_VERIFY) as resp:
                assert (resp.status, await resp.text()) == (200, "1616140317555161061")
            bad = {**WECOM_VERIFY, "nonce": "263014781"}
            async with h.session.get(h.url + "/wecom", params=bad) as resp:
                assert resp.status == 403

    asyncio.run(scenario())


def test_the_wecom_sample_message_reaches_the_handler_as_hello_from_mycreate(ctx):
    at(ctx, WECOM_QUERY["timestamp"])
    calls, dispatch = recording()

    async def scenario():
        async with webhook(ctx, "wecom", env=WECOM, dispatch=dispatch) as h:
            async with h.session.post(h.url + "/wecom", params=WECOM_QUERY, data=WECOM_BODY) as resp:
                assert resp.status == 200
                reply = open_reply(await resp.text(), "QDG6eK", WECOM["WECOM_AES_KEY"], WECOM["WECOM_CORPID"])
            assert reply["ToUserName"] == "mycreate" and reply["FromUserName"] == "wx5823bf96d3bd56c7"
            assert reply["AgentID"] == "218" and reply["Content"]

    asyncio.run(scenario())
    assert calls == [("wecom", "mycreate", "hello", "4561255354251345929")]


def test_the_samples_replayed_today_are_refused_as_stale(ctx):
    ctx.clock.now = dt.datetime.now(dt.timezone.utc)

    async def scenario():
        async with webhook(ctx, "wecom", env=WECOM) as h:
            async with h.session.get(h.url + "/wecom", params=WECOM_VERIFY) as resp:
                assert resp.status == 403
            async with h.session.post(h.url + "/wecom", params=WECOM_QUERY, data=WECOM_BODY) as resp:
                assert resp.status == 403
        async with webhook(ctx, "wechat", env=OA) as h:
            async with h.session.post(h.url + "/wechat", params=OA_QUERY, data=OA_BODY) as resp:
                assert resp.status == 403

    asyncio.run(scenario())

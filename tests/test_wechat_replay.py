"""Captured query strings are worth nothing to an attacker: with the AES key configured a plaintext body
is refused (a downgrade), and a (timestamp, nonce) pair carries one body only — across servers and
restarts, since the pairs live in the database. WeChat's own retries still get the first reply."""
from __future__ import annotations

import asyncio
import dataclasses

from db import Store
from handlers.core import router
from knowledge.base import KnowledgeBase
from wechat_harness import PLAIN, webhook

FORGED = "工作日 2026-12-01 休息"  # what the audit's forgery did: a 休息日 set in an admin's name


async def post(h, query, body):
    async with h.session.post(h.wechat.url, params=query, data=body) as resp:
        return resp.status, await resp.text()


def grant(ctx, platform: str, user: str) -> None:
    ctx.store.profiles.grant_admin(platform, user, "console:console", "", "2026-11-23T01:00:00+00:00")


def counting(calls):
    def dispatch(c, msg):
        calls.append((msg.user_id, msg.text))
        return router.dispatch(c, msg)
    return dispatch


def test_with_an_aes_key_a_plaintext_body_is_refused_even_with_a_genuine_signature(ctx):
    grant(ctx, "wechat", "oAdmin")
    calls = []

    async def scenario():
        async with webhook(ctx, "wechat", dispatch=counting(calls)) as h:
            genuine, body = h.wechat.request(h.wechat.text("oMember", "帮助"), safe=True)
            assert (await post(h, genuine, body))[0] == 200
            # the captured query with encrypt_type / msg_signature dropped, and a forged plaintext body
            downgraded = {k: v for k, v in genuine.items() if k not in ("encrypt_type", "msg_signature")}
            forged = h.wechat.text("oAdmin", FORGED).encode()
            assert (await post(h, downgraded, forged))[0] == 403
            # a freshly signed plaintext request is refused too: with the key set only AES is accepted
            query, body = h.wechat.request(h.wechat.text("oAdmin", FORGED), safe=False)
            assert (await post(h, query, body))[0] == 403

    asyncio.run(scenario())
    assert ctx.store.reminders.workday_overrides() == [] and ("oAdmin", FORGED) not in calls


def test_plain_mode_a_captured_query_cannot_carry_another_body(ctx):
    grant(ctx, "wechat", "oAdmin")
    calls = []

    async def scenario():
        async with webhook(ctx, "wechat", env=PLAIN, dispatch=counting(calls)) as h:
            query, body = h.wechat.request(h.wechat.text("oMember", "入团前需要参加多少学时的团课？"))
            status, first = await post(h, query, body)
            assert status == 200 and "学时" in first
            forged = h.wechat.text("oAdmin", FORGED).encode()
            assert (await post(h, query, forged))[0] == 403
            # WeChat re-sending the very same request is a retry: the first reply again, handled once
            assert await post(h, query, body) == (200, first)

    asyncio.run(scenario())
    assert ctx.store.reminders.workday_overrides() == []
    assert calls == [("oMember", "入团前需要参加多少学时的团课？")]


def test_safe_mode_an_identical_resend_is_a_retry_and_gets_the_first_reply(ctx):
    calls = []

    async def scenario():
        async with webhook(ctx, "wecom", dispatch=counting(calls)) as h:
            query, body = h.wechat.request(h.wechat.text("zhangsan", "帮助"))
            status, first = await post(h, query, body)
            assert status == 200
            status, again = await post(h, query, body)  # sealed anew (a fresh IV): compare what it says
            assert status == 200 and h.wechat.open(again)["Content"] == h.wechat.open(first)["Content"]
            # the same pair with another (genuinely signed) ciphertext is not WeChat's: refused
            other_query, other_body = h.wechat.request(h.wechat.text("zhangsan", "城市"), nonce=query["nonce"])
            assert other_query["timestamp"] == query["timestamp"]
            assert (await post(h, other_query, other_body))[0] == 403

    asyncio.run(scenario())
    assert calls == [("zhangsan", "帮助")]


def test_the_pairs_are_remembered_across_servers_and_restarts(ctx):
    """A second worker (its own connection, as another process has) and a restarted server both know."""
    grant(ctx, "wechat", "oAdmin")
    other = dataclasses.replace(ctx, store=Store(ctx.store.path))
    other.kb = KnowledgeBase(other.store, ctx.settings.data_dir)

    async def scenario():
        async with webhook(ctx, "wechat", env=PLAIN) as h:
            query, body = h.wechat.request(h.wechat.text("oMember", "帮助"))
            assert (await post(h, query, body))[0] == 200
        forged = h.wechat.text("oAdmin", FORGED).encode()
        async with webhook(other, "wechat", env=PLAIN) as h2:
            assert (await post(h2, query, forged))[0] == 403
            assert (await post(h2, query, body))[0] == 200  # the genuine retry still works

    asyncio.run(scenario())
    other.store.close()
    assert ctx.store.reminders.workday_overrides() == []


def test_pairs_outside_the_acceptance_window_are_pruned(ctx):
    async def scenario():
        async with webhook(ctx, "wecom") as h:
            for n in range(5):
                await h.say("lisi", f"帮助 {n}")
            assert ctx.store.db.execute("SELECT count(*) FROM callback_nonce").fetchone()[0] == 5
            ctx.clock.advance(minutes=6)
            await h.say("lisi", "帮助")
            assert ctx.store.db.execute("SELECT count(*) FROM callback_nonce").fetchone()[0] == 1

    asyncio.run(scenario())


def test_retries_with_new_nonces_keep_working(ctx):
    """Whether WeChat signs a retry anew or not, the same MsgId is answered once with the first reply."""
    calls = []

    async def scenario():
        async with webhook(ctx, "wechat", dispatch=counting(calls)) as h:
            xml = h.wechat.text("oUser", "入团前需要参加多少学时的团课？")
            replies = []
            for _ in range(3):
                ctx.clock.advance(seconds=5)
                status, reply, _ = await h.wechat.post(h.session, xml)
                replies.append((status, reply["Content"]))
            assert len(set(replies)) == 1 and replies[0][0] == 200

    asyncio.run(scenario())
    assert len(calls) == 1

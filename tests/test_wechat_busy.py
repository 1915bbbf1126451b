"""Another process holding the database's write lock (a long ingest, a migration) must not cost WeChat
users their message: the callback is answered within WeChat's 5 s with "正在生成…" and the answer is
pushed once the lock is released — even when the lock outlasts the store's busy timeout."""
from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest

import db.connection
from handlers.core import router
from handlers.adapters.wechat_adapter import WORKING
from wechat_harness import until, webhook

QUESTION = "入团前需要参加多少学时的团课？"


@pytest.fixture
def backend() -> str:
    """These tests hold SQLite's file lock themselves: they are about the SQLite deployment."""
    return "sqlite"


@pytest.fixture
def short_busy_timeout(monkeypatch):
    """1 s instead of 10: a lock held 2.5 s outlasts it, as a 15 s lock outlasts the real one."""
    monkeypatch.setattr(db.connection, "BUSY_TIMEOUT_MS", 1000)


def hold_write_lock(path: str) -> sqlite3.Connection:
    """Another connection takes the write lock (BEGIN IMMEDIATE) and keeps it until committed."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")
    return conn


@pytest.mark.parametrize("product,path", [("wecom", "/message/send"), ("wechat", "/message/custom/send")])
def test_a_message_during_a_long_write_lock_is_acknowledged_in_time_and_answered_after(ctx, short_busy_timeout,
                                                                                       product, path):
    calls = []

    def counting(c, msg):
        calls.append(msg.text)
        return router.dispatch(c, msg)

    async def scenario():
        async with webhook(ctx, product, dispatch=counting, deadline=1.0) as h:
            await h.say("warmup", "帮助")  # the workers have opened their connections
            await asyncio.sleep(0.3)  # and the server's first tick is done
            lock = hold_write_lock(ctx.store.path)
            asyncio.get_running_loop().call_later(2.5, lock.execute, "COMMIT")
            t0 = time.monotonic()
            reply = await h.say("u-busy", QUESTION)
            assert time.monotonic() - t0 < 1.5  # inside WeChat's 5 s, with this test's 1 s deadline
            assert reply["Content"] == WORKING
            await until(lambda: any(b.get("touser") == "u-busy" for b in h.stub.sent(path)), timeout=20)
            [pushed] = [b for b in h.stub.sent(path) if b["touser"] == "u-busy"]
            assert "学时" in pushed["text"]["content"]
            lock.close()

    asyncio.run(scenario())
    assert calls == ["帮助", QUESTION]  # handled once
    assert ctx.store.events.claim(product, "probe", "") is True  # and the database is writable again


def test_a_forged_request_during_the_lock_is_still_refused_afterwards(ctx, short_busy_timeout):
    """Acknowledging early does not skip the replay check: the forged body is dropped when it runs."""
    calls = []

    async def scenario():
        async with webhook(ctx, "wecom", dispatch=lambda c, m: calls.append(m.text) or [], deadline=1.0) as h:
            query, body = h.wechat.request(h.wechat.text("zhangsan", "帮助"))
            async with h.session.post(h.wechat.url, params=query, data=body) as resp:
                assert resp.status == 200
            lock = hold_write_lock(ctx.store.path)
            asyncio.get_running_loop().call_later(2.0, lock.execute, "COMMIT")
            other_query, other_body = h.wechat.request(h.wechat.text("zhangsan", "城市"), nonce=query["nonce"])
            async with h.session.post(h.wechat.url, params=other_query, data=other_body) as resp:
                assert resp.status in (200, 403)  # 200 when acknowledged before the check could run
            await asyncio.sleep(3.0)
            lock.close()

    asyncio.run(scenario())
    assert calls == ["帮助"]

"""Webhook and dashboard workers answer as the console does: each worker thread's own knowledge base
keeps the embedder, so a question answered by meaning on the console is not declined on WeChat."""
from __future__ import annotations

import asyncio

import bot
from handlers.adapters.context_pool import ContextPool
from handlers.core.types import Settings


def test_a_worker_answers_with_the_same_embedder_as_the_console(tmp_path):
    settings = Settings.from_env({"TUANWU_EMBEDDER": "stub", "TUANWU_DATA_DIR": str(tmp_path)},
                                 db_path=str(tmp_path / "pool.db"))
    ctx = bot.build_context(settings, faq=False)
    pool = ContextPool(ctx, workers=2, name="test-worker")
    try:
        worker_kb = asyncio.run(_in_worker(pool))
    finally:
        pool.close()
    assert worker_kb is not ctx.kb  # its own connection, not the console's
    assert worker_kb.semantic.available
    assert worker_kb.embedder is ctx.kb.embedder


async def _in_worker(pool: ContextPool):
    return await pool.run(lambda c: c.kb)

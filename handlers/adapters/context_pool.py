"""Blocking work (store verbs, handlers) for an async server, in worker threads with their own connection.

sqlite-utils wraps every query in a savepoint on its connection, so two threads sharing one
connection corrupt each other's savepoints ("no such savepoint", "another row available") — measured
under 16 concurrent webhooks. Each worker therefore opens its own Store (and KnowledgeBase) on the
same file: WAL lets them read side by side, and the busy timeout queues their writes. An in-memory
store cannot be shared between connections, so it gets a single worker instead.
"""
from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, Callable, TypeVar

from handlers.core.types import Context

T = TypeVar("T")


class ContextPool:
    def __init__(self, ctx: Context, workers: int = 4, name: str = "worker"):
        self.ctx = ctx
        self.shared = getattr(ctx.store, "path", ":memory:") == ":memory:"
        self.executor = ThreadPoolExecutor(max_workers=1 if self.shared else workers, thread_name_prefix=name)
        self._local = threading.local()
        self._opened: list[Any] = []
        self._lock = threading.Lock()

    def context(self) -> Context:
        """This thread's Context: the original one, or a copy with its own store and knowledge base."""
        if self.shared:
            return self.ctx
        ctx = getattr(self._local, "ctx", None)
        if ctx is None:
            store = type(self.ctx.store)(self.ctx.store.path)
            # The worker's knowledge base answers with the same embedder as the original: without it a
            # webhook worker would answer by words alone what the console answers by meaning.
            kb = (None if self.ctx.kb is None
                  else type(self.ctx.kb)(store, self.ctx.settings.data_dir, self.ctx.kb.embedder))
            ctx = self._local.ctx = replace(self.ctx, store=store, kb=kb)
            with self._lock:
                self._opened.append(store)
        return ctx

    def run(self, fn: Callable[..., T], *args: Any) -> "asyncio.Future[T]":
        """Run `fn(context, *args)` in a worker; await the result."""
        return asyncio.get_running_loop().run_in_executor(self.executor, lambda: fn(self.context(), *args))

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            for store in self._opened:
                store.close()
            self._opened.clear()

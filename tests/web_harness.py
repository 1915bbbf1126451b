"""Helpers for the web dashboard's tests: the app served on 127.0.0.1 in a thread of the test process
(sharing the test's Context, so its fake clock moves the server's time too), a signed-in HTTP client,
and sign-in links taken from what `后台` answers in chat."""
from __future__ import annotations

import asyncio
import re
import socket
import threading
from contextlib import contextmanager
from typing import Iterator

import httpx
from aiohttp import web

from handlers.core.router import dispatch
from handlers.core.types import Context, Incoming

TOKEN = re.compile(r"https?://\S+/login\?token=(\S+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(ctx: Context, products: tuple[str, ...] = ()) -> Iterator[str]:
    """The dashboard's application on a free loopback port until the block ends; yields its base URL."""
    from handlers.adapters.web.run import build_app

    loop = asyncio.new_event_loop()
    port = free_port()
    ready = threading.Event()
    state: dict = {}

    async def start() -> None:
        runner = web.AppRunner(build_app(ctx, products))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        state["runner"] = runner

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(30), "the web app did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        asyncio.run_coroutine_threadsafe(state["runner"].cleanup(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def link_from(replies) -> str | None:
    """The token of the sign-in link in chat's replies (pushed ones included), if any."""
    for reply in replies:
        m = TOKEN.search(reply.text)
        if m:
            return m.group(1)
    return None


def ask_link(ctx: Context, msg: Incoming) -> tuple[str | None, list]:
    replies = dispatch(ctx, msg)
    return link_from(replies), replies


def signed_in(base: str, token: str) -> httpx.Client:
    """A client that used the link: it holds the session cookie."""
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    response = client.post("/login", data={"token": token})
    assert response.status_code == 303, response.text
    return client


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "the page has no CSRF field"
    return m.group(1)

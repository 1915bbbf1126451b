"""Start the real webhook server and the stub Tencent API on 127.0.0.1 for one test, then stop both."""
from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from handlers.adapters.wechat_adapter import WeChatServer
from handlers.adapters.wechat_run import build_server
from handlers.adapters.wechat_config import WeChatConfig
from wechat_fakes import FakeWeChat, StubAPI, serving

# Test credentials (made up here; the AES keys are valid 43-character EncodingAESKeys).
OA_ENV = {"WECHAT_TOKEN": "oa-token-7f3b9c", "WECHAT_AES_KEY": "VHVhbld1T2ZmaWNpYWxBY2NvdW50VGVzdEtleTAwMDE",
          "WECHAT_APPID": "wx3f5c0a9e7d1b2c4e", "WECHAT_SECRET": "oa-secret-5d8e2a71"}
WECOM_ENV = {"WECOM_TOKEN": "wecom-token-2c71d0", "WECOM_AES_KEY": "VHVhbld1V2VDb21BcHBDYWxsYmFja1Rlc3RLZXkwMDI",
             "WECOM_CORPID": "ww8a1b2c3d4e5f6a7b", "WECOM_SECRET": "wecom-secret-9a4f11", "WECOM_AGENT_ID": "1000002"}
PLAIN = {"WECHAT_AES_KEY": ""}  # an official account in plain mode (明文模式): no AES key configured
ROBOT_KEY = "robot-key-3b7e2d91"
SECRETS = [*OA_ENV.values(), *WECOM_ENV.values(), ROBOT_KEY, "stub-access-token"]
SECRETS = [s for s in SECRETS if s not in ("1000002",) and not s.startswith(("wx", "ww"))]


async def until(predicate, timeout: float = 10.0) -> None:
    """Wait (in real time, polling) for something the server does in the background."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)


@dataclass
class Harness:
    server: WeChatServer
    wechat: FakeWeChat
    session: aiohttp.ClientSession
    stub: StubAPI
    url: str

    async def say(self, user: str, text: str, safe: bool | None = None, msg_id: int | None = None):
        """One text message; returns the opened passive reply (a dict) or the raw answer."""
        status, opened, _ = await self.wechat.post(self.session, self.wechat.text(user, text, msg_id), safe)
        assert status == 200, opened
        return opened


@contextlib.asynccontextmanager
async def webhook(ctx, product: str = "wechat", env: dict[str, str] | None = None, push: bool = True,
                  **server_kwargs: Any):
    """The `product` server configured like production, its API base pointed at a local stub."""
    stub = StubAPI(ctx.clock)
    async with serving(stub.app()) as api:
        full = {**OA_ENV, **WECOM_ENV, "WECOM_ROBOT_URLS": f"团委群={api}/cgi-bin/webhook/send?key={ROBOT_KEY}",
                "WECHAT_API_BASE": f"{api}/cgi-bin/", "WECOM_API_BASE": f"{api}/cgi-bin"}
        full.update(env or {})
        if not push:
            full.pop("WECHAT_SECRET"), full.pop("WECOM_SECRET")
        config = WeChatConfig.from_env(full, product)
        server = build_server(ctx, product, config, **server_kwargs)
        async with serving(server.app()) as url:
            if product == "wechat":
                fake = FakeWeChat(f"{url}/wechat", ctx.clock, config.token, config.aes_key, config.app_id)
            else:
                fake = FakeWeChat(f"{url}/wecom", ctx.clock, config.token, config.aes_key, config.app_id,
                                  product="wecom", account=config.app_id)
            async with aiohttp.ClientSession() as session:
                yield Harness(server, fake, session, stub, url)
            await server.pusher.drain()

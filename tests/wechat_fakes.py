"""The far side of the WeChat adapter, for tests and the benchmark: WeChat's servers and Tencent's APIs.

`FakeWeChat` signs and encrypts callbacks exactly as WeChat / WeCom do (SHA-1 over the sorted
token/timestamp/nonce[/Encrypt]; AES-256-CBC with IV = key[:16], 16 random bytes + big-endian length
+ XML + AppID, PKCS#7 to 32 bytes) — written here from the protocol, not with wechatpy, so a bug the
server shares with wechatpy cannot hide. `StubAPI` is a local customer-service / app-message API and
group-robot webhook that records every call and enforces the robot's 20 messages per rolling minute.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import random
import struct
import xml.etree.ElementTree as ET
from collections import deque

from aiohttp import web
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def _key(encoding_aes_key: str) -> bytes:
    return base64.b64decode(encoding_aes_key + "=")


def encrypt(encoding_aes_key: str, text: str, app_id: str) -> str:
    key, data = _key(encoding_aes_key), text.encode()
    raw = os.urandom(16) + struct.pack(">I", len(data)) + data + app_id.encode()
    pad = 32 - len(raw) % 32
    raw += bytes([pad]) * pad
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(raw) + enc.finalize()).decode()


def decrypt(encoding_aes_key: str, b64: str, app_id: str) -> str:
    key = _key(encoding_aes_key)
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    raw = dec.update(base64.b64decode(b64)) + dec.finalize()
    raw = raw[: -raw[-1]]
    length = struct.unpack(">I", raw[16:20])[0]
    assert raw[20 + length:].decode() == app_id, "encrypted for another AppID/CorpID"
    return raw[20:20 + length].decode()


def fields(xml: str) -> dict[str, str]:
    return {child.tag: (child.text or "") for child in ET.fromstring(xml)}


class FakeWeChat:
    """Sends callbacks as WeChat (product "wechat", plain or safe mode) or WeCom (always encrypted) does."""

    def __init__(self, url: str, clock, token: str, aes_key: str = "", app_id: str = "", product: str = "wechat",
                 account: str = "gh_test"):
        self.url, self.clock, self.token, self.aes_key, self.app_id = url, clock, token, aes_key, app_id
        self.product, self.account = product, account
        self._msg_id = random.randrange(10**18, 2 * 10**18)

    def next_id(self) -> int:
        self._msg_id += 1
        return self._msg_id

    def text(self, user: str, content: str, msg_id: int | None = None) -> str:
        ts = int(self.clock().timestamp())
        return (f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName><FromUserName><![CDATA[{user}]]>"
                f"</FromUserName><CreateTime>{ts}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id or self.next_id()}</MsgId>"
                + ("<AgentID>1000002</AgentID>" if self.product == "wecom" else "") + "</xml>")

    def event(self, user: str, event: str, create_time: int | None = None) -> str:
        ts = create_time or int(self.clock().timestamp())
        return (f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName><FromUserName><![CDATA[{user}]]>"
                f"</FromUserName><CreateTime>{ts}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
                f"<Event><![CDATA[{event}]]></Event><EventKey><![CDATA[]]></EventKey></xml>")

    def request(self, xml: str, safe: bool | None = None, nonce: str | None = None) -> tuple[dict, bytes]:
        """(query, body) for one callback, signed (and encrypted) with the current clock."""
        ts, nonce = str(int(self.clock().timestamp())), nonce or str(random.randrange(10**8, 10**9))
        safe = (self.product == "wecom" or bool(self.aes_key)) if safe is None else safe  # as configured
        query = {"timestamp": ts, "nonce": nonce}
        if self.product == "wechat":
            query.update(signature=sign(self.token, ts, nonce), openid="o" + nonce)
        if not safe:
            return query, xml.encode()
        enc = encrypt(self.aes_key, xml, self.app_id)
        query["msg_signature"] = sign(self.token, ts, nonce, enc)
        if self.product == "wechat":
            query["encrypt_type"] = "aes"
        agent = "<AgentID><![CDATA[1000002]]></AgentID>" if self.product == "wecom" else ""
        body = f"<xml><ToUserName><![CDATA[{self.account}]]></ToUserName><Encrypt><![CDATA[{enc}]]></Encrypt>{agent}</xml>"
        return query, body.encode()

    async def post(self, session, xml: str, safe: bool | None = None) -> tuple[int, dict | str, str]:
        """Send a callback: (status, the answer opened (decrypted, checked) into fields, the raw answer)."""
        query, body = self.request(xml, safe)
        async with session.post(self.url, params=query, data=body) as resp:
            text = await resp.text()
            if resp.status != 200 or text == "success":
                return resp.status, text, text
            return resp.status, self.open(text), text

    def open(self, text: str) -> dict:
        outer = fields(text)
        if "Encrypt" not in outer:
            return outer
        assert outer["MsgSignature"] == sign(self.token, outer["TimeStamp"], outer["Nonce"], outer["Encrypt"])
        return fields(decrypt(self.aes_key, outer["Encrypt"], self.app_id))

    def handshake_query(self, echostr: str = "5837397520565767689") -> tuple[dict, str]:
        ts, nonce = str(int(self.clock().timestamp())), str(random.randrange(10**8, 10**9))
        if self.product == "wechat":
            return {"signature": sign(self.token, ts, nonce), "timestamp": ts, "nonce": nonce, "echostr": echostr}, echostr
        enc = encrypt(self.aes_key, echostr, self.app_id)
        return {"msg_signature": sign(self.token, ts, nonce, enc), "timestamp": ts, "nonce": nonce, "echostr": enc}, echostr


class StubAPI:
    """Tencent's APIs on 127.0.0.1: tokens, customer-service and app messages, media, group robots."""

    ROBOT_LIMIT, ROBOT_WINDOW = 20, 60.0

    def __init__(self, clock):
        self.clock = clock
        self.calls: list[tuple[str, dict, object]] = []  # (path, query, JSON body or form fields)
        self.files: list[tuple[str, bytes]] = []  # uploaded media: (file name, content)
        self.robot_sent: dict[str, deque] = {}
        self.robot_refused = 0
        self.robot_max_in_window = 0

    def sent(self, path: str) -> list:
        return [body for p, _, body in self.calls if p.endswith(path)]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self.token)
        app.router.add_get("/cgi-bin/gettoken", self.token)
        app.router.add_post("/cgi-bin/media/upload", self.upload)
        app.router.add_post("/cgi-bin/webhook/send", self.robot)
        app.router.add_post("/cgi-bin/webhook/upload_media", self.robot_upload)
        app.router.add_post("/cgi-bin/{api:.*}", self.message)
        return app

    async def token(self, request: web.Request) -> web.Response:
        self.calls.append((request.path, dict(request.query), None))
        return web.json_response({"access_token": "stub-access-token", "expires_in": 7200})

    async def upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        media = form["media"]
        data = media.file.read()
        self.files.append((media.filename, data))
        self.calls.append((request.path, dict(request.query), {"filename": media.filename, "size": len(data)}))
        return web.json_response({"type": request.query.get("type"), "media_id": "stub-media-1", "created_at": 1})

    async def message(self, request: web.Request) -> web.Response:
        self.calls.append((request.path, dict(request.query), json.loads(await request.read())))
        return web.json_response({"errcode": 0, "errmsg": "ok", "invaliduser": ""})

    async def robot_upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        media = form["media"]
        self.calls.append((request.path, dict(request.query), {"filename": media.filename, "size": len(media.file.read())}))
        return web.json_response({"errcode": 0, "errmsg": "ok", "type": "file", "media_id": "stub-robot-media"})

    def preload_robot(self, key: str, count: int) -> None:
        """Messages some other program sent through the same robot just now."""
        log = self.robot_sent.setdefault(key, deque())
        log.extend([self.clock().timestamp()] * count)

    async def robot(self, request: web.Request) -> web.Response:
        key, now = request.query.get("key", ""), self.clock().timestamp()
        log = self.robot_sent.setdefault(key, deque())
        while log and log[0] <= now - self.ROBOT_WINDOW:
            log.popleft()
        if len(log) >= self.ROBOT_LIMIT:
            self.robot_refused += 1
            return web.json_response({"errcode": 45009, "errmsg": "api freq out of limit"})
        log.append(now)
        self.robot_max_in_window = max(self.robot_max_in_window, len(log))
        self.calls.append((request.path, dict(request.query), json.loads(await request.read())))
        return web.json_response({"errcode": 0, "errmsg": "ok"})


@contextlib.asynccontextmanager
async def serving(app: web.Application):
    """Run an aiohttp app on 127.0.0.1 (a free port) and yield its base URL; stop it afterwards."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()

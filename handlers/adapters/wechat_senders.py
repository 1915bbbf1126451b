"""Outbound WeChat / WeCom: the `Sender`s the scheduler's tick and the server's late pushes call.

- `OfficialAccountSender`: the customer-service API (客服消息) through wechatpy's client.
- `WeComAppSender`: app messages (应用消息) with `enable_duplicate_check`, ≤ 30 per minute per member
  (WeCom drops the excess silently, so the limit is kept here rather than discovered).
- `WeComRobotSender` (wecom_robot.py): group-robot webhooks, 20 per rolling minute per robot.
- `WeComSender`: one "wecom" sender that routes chat ids "robot:<name>" to the robot, others to the app.

A reply too long for one message goes out as several parts; progress is kept per reply, so a retry
after a rate limit resumes at the part that was refused instead of repeating the ones delivered.
"""
from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from typing import Any, Callable

import requests
import wechatpy
from wechatpy.exceptions import WeChatClientException

from handlers.adapters.wechat_codec import wecom_api
from handlers.adapters.wechat_config import WeChatConfig
from handlers.adapters.wechat_text import TEXT_LIMIT, render, split
from handlers.core.log_redaction import RedactSecrets
from handlers.core.ratelimit import WECOM_MEMBER, RateLimiter
from handlers.core.types import Attachment, Reply, Sender, SendResult

log = logging.getLogger(__name__)

RETRY_LATER = {45009, -1, 45011, 45033}  # frequency limits and "system busy": the message was not taken
REQUEST_TIMEOUT = 10.0
Part = tuple[str, Any]  # ("text", str) | ("markdown", str) | ("photo" | "document", Attachment)


# urllib3 logs every request URL at DEBUG — with wechatpy's `secret=` / `access_token=` in it. bot.py
# installs the full filter on every handler; this one also covers code that never ran bot.py's set-up.
logging.getLogger("urllib3.connectionpool").addFilter(RedactSecrets())


def parts_of(reply: Reply, limit: int = TEXT_LIMIT) -> list[Part]:
    """A reply as the messages it takes: its text in ≤ `limit`-byte pages, then its attachment."""
    parts: list[Part] = []
    text = render(reply)
    if text.strip():
        kind = "markdown" if reply.data.get("format") == "markdown" else "text"
        parts += [(kind, page) for page in split(text, limit)]
    if reply.attachment:
        parts.append((reply.attachment.kind if reply.attachment.kind == "photo" else "document", reply.attachment))
    return parts


def reply_key(reply: Reply) -> str:
    a = reply.attachment
    raw = f"{reply.platform}|{reply.chat_id}|{reply.text}|{a.filename if a else ''}|{len(a.data) if a else 0}"
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()


class PagedSender(Sender):
    """Sends a reply's parts in order, resuming after a "retry" at the first part not yet delivered."""

    def __init__(self) -> None:
        self._done: dict[str, int] = {}  # reply key -> parts already delivered

    async def send_part(self, chat_id: str, part: Part) -> SendResult:  # pragma: no cover - interface
        raise NotImplementedError

    async def send(self, reply: Reply) -> SendResult:
        if not reply.chat_id:
            return SendResult("failed", detail="no chat_id")
        parts, key = parts_of(reply), reply_key(reply)
        for n in range(self._done.get(key, 0), len(parts)):
            result = await self.send_part(reply.chat_id, parts[n])
            if result.status == "retry":
                self._done[key] = n
                return result
            if result.status != "sent":
                self._done.pop(key, None)
                where = f" (part {n + 1}/{len(parts)})" if len(parts) > 1 else ""
                return SendResult(result.status, result.retry_after, result.detail + where)
        self._done.pop(key, None)
        return SendResult("sent", detail=f"{len(parts)} message(s)")


class _TimeoutSession(requests.Session):
    """wechatpy fetches access tokens with no timeout at all; a hung socket must not hang a sender."""

    def __init__(self, timeout: float):
        super().__init__()
        self.default_timeout = timeout

    def request(self, *args, **kwargs):
        kwargs["timeout"] = kwargs.get("timeout") or self.default_timeout
        return super().request(*args, **kwargs)


class _Rebased:
    """wechatpy's client with a timeout on every request and an overridable base URL (tests use a stub).

    wechatpy hard-codes the host of the access-token request; this sends the same request to
    API_BASE_URL + TOKEN_PATH instead, so one setting moves every call.
    """

    TOKEN_PATH = ""

    def __init__(self, config: WeChatConfig, timeout: float):
        super().__init__(config.app_id, config.secret, timeout=timeout)
        self._http = _TimeoutSession(timeout)
        if config.api_base:
            self.API_BASE_URL = config.api_base

    def token_params(self) -> dict:  # pragma: no cover - interface
        raise NotImplementedError

    def fetch_access_token(self):
        return self._fetch_access_token(url=self.API_BASE_URL + self.TOKEN_PATH, params=self.token_params())


class _OfficialClient(_Rebased, wechatpy.WeChatClient):
    TOKEN_PATH = "token"

    def token_params(self) -> dict:
        return {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret}


class _WeComClient(_Rebased, wecom_api.WeChatClient):
    TOKEN_PATH = "gettoken"

    def token_params(self) -> dict:
        return {"corpid": self.corp_id, "corpsecret": self.secret}


async def call_api(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[SendResult, Any]:
    """Run one blocking wechatpy call off the event loop and classify how it ended."""
    try:
        return SendResult("sent"), await asyncio.to_thread(fn, *args, **kwargs)
    except requests.ConnectTimeout:
        return SendResult("retry", 30.0, "connect timeout"), None
    except requests.Timeout:
        return SendResult("uncertain", detail="timed out waiting for the answer"), None
    except requests.ConnectionError:
        return SendResult("retry", 30.0, "connection failed"), None
    except WeChatClientException as err:  # never log err itself: its request URL holds the access token
        if err.errcode in RETRY_LATER or (err.errcode is None and _server_error(err)):
            return SendResult("retry", 60.0, f"errcode {err.errcode}"), None
        return SendResult("failed", detail=f"errcode {err.errcode}: {str(err.errmsg)[:80]}"), None


def _server_error(err: WeChatClientException) -> bool:
    response = getattr(err, "response", None)
    return response is not None and response.status_code >= 500


def _file(att: Attachment) -> tuple[str, io.BytesIO, str]:
    return (att.filename, io.BytesIO(att.data), att.mime)


class OfficialAccountSender(PagedSender):
    """Customer-service messages to a follower (chat id = OpenID), within 48 h of their last message."""

    platform = "wechat"

    def __init__(self, config: WeChatConfig, timeout: float = REQUEST_TIMEOUT):
        super().__init__()
        self.client = _OfficialClient(config, timeout)

    async def send_part(self, chat_id: str, part: Part) -> SendResult:
        kind, value = part
        if kind == "photo":
            result, media = await call_api(self.client.media.upload, "image", _file(value))
            if result.status != "sent":
                return result
            return (await call_api(self.client.message.send_image, chat_id, media["media_id"]))[0]
        if kind == "document":  # the customer-service API has no file message type
            value = f"（文件“{value.filename}”无法通过公众号发送，请在企业微信中使用同一命令获取。）"
        return (await call_api(self.client.message.send_text, chat_id, value))[0]


class WeComAppSender(PagedSender):
    """App messages to a member (chat id = UserID); identical content within 30 min is dropped by WeCom."""

    platform = "wecom"
    PER_MEMBER = WECOM_MEMBER.keyed(lambda user: user)

    def __init__(self, config: WeChatConfig, clock: Callable, timeout: float = REQUEST_TIMEOUT):
        super().__init__()
        self.client = _WeComClient(config, timeout)
        self.agent_id = config.agent_id
        self.clock = clock
        self.limiter = RateLimiter([self.PER_MEMBER])

    async def send_part(self, chat_id: str, part: Part) -> SendResult:
        wait = self.limiter.try_acquire(chat_id, self.clock().timestamp())
        if wait > 0:
            return SendResult("retry", wait, "WeCom app limit: 30 messages per minute per member")
        kind, value = part
        if kind in ("photo", "document"):
            media_type = "image" if kind == "photo" else "file"
            result, media = await call_api(self.client.media.upload, media_type, _file(value))
            if result.status != "sent":
                return result
            msg = {"msgtype": media_type, media_type: {"media_id": media["media_id"]}}
        else:
            msg = {"msgtype": kind, kind: {"content": value}}
        msg.update(enable_duplicate_check=1, duplicate_check_interval=1800)
        result, answer = await call_api(self.client.message.send, self.agent_id, chat_id, msg=msg)
        if result.status == "sent" and chat_id in str((answer or {}).get("invaliduser", "")).split("|"):
            return SendResult("failed", detail="member not in the app's visible range")
        return result


class WeComSender(Sender):
    """The "wecom" platform's sender: chat ids "robot:<name>" are group robots, others are members."""

    platform = "wecom"

    def __init__(self, app: Sender | None, robots: Sender | None):
        self.app, self.robots = app, robots

    async def send(self, reply: Reply) -> SendResult:
        to_robot = (reply.chat_id or "").startswith("robot:")
        sender = self.robots if to_robot else self.app
        if sender is None:
            what = "WECOM_ROBOT_URLS" if to_robot else "WECOM_CORPID/WECOM_SECRET/WECOM_AGENT_ID"
            return SendResult("failed", detail=f"{what} not configured")
        return await sender.send(reply)

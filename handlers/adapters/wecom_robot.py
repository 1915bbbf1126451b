"""WeCom group robots (群机器人): broadcasts and reminders to groups through their webhook URLs.

A robot takes 20 messages per rolling minute; past that it answers errcode 45009. The limiter here
(handlers/core/ratelimit.py, one rolling window per robot) refuses the 21st before it is sent, and a 45009
that still comes back (another process using the same robot) is "retry", never "failed". A robot's
URL holds its key, so only robot names are ever logged.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
from typing import Callable
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import aiohttp

from handlers.adapters.wechat_config import Robot
from handlers.adapters.wechat_senders import REQUEST_TIMEOUT, PagedSender, Part
from handlers.core.ratelimit import WECOM_ROBOT, RateLimiter
from handlers.core.types import SendResult

log = logging.getLogger(__name__)

ROBOT_LIMIT = WECOM_ROBOT.keyed(lambda name: name)
ROBOT_BUSY = 45009  # "接口调用超过限制": over the robot's 20 per minute


class WeComRobotSender(PagedSender):
    """Chat id "robot:<name>" → that robot's webhook. Text, markdown, image and file messages."""

    platform = "wecom"

    def __init__(self, robots: tuple[Robot, ...], clock: Callable, timeout: float = REQUEST_TIMEOUT):
        super().__init__()
        self.urls = {r.name: r.url for r in robots}
        self.clock = clock
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.limiter = RateLimiter([ROBOT_LIMIT])
        self._session: aiohttp.ClientSession | None = None

    @property
    def names(self) -> list[str]:
        return list(self.urls)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def send_part(self, chat_id: str, part: Part) -> SendResult:
        name = chat_id.removeprefix("robot:")
        url = self.urls.get(name)
        if url is None:
            return SendResult("failed", detail=f"no robot named {name!r}")
        wait = self.limiter.try_acquire(name, self.clock().timestamp())
        if wait > 0:
            return SendResult("retry", wait, f"robot {name}: 20 messages per rolling minute")
        kind, value = part
        if kind == "text":
            body = {"msgtype": "text", "text": {"content": value}}
        elif kind == "markdown":
            body = {"msgtype": "markdown", "markdown": {"content": value}}
        elif kind == "photo":
            body = {"msgtype": "image", "image": {"base64": base64.b64encode(value.data).decode(),
                                                   "md5": hashlib.md5(value.data).hexdigest()}}
        else:
            result, media_id = await self._upload(url, value)
            if result.status != "sent":
                return result
            body = {"msgtype": "file", "file": {"media_id": media_id}}
        result, _ = await self._post(name, url, json=body)
        return result

    async def _upload(self, url: str, attachment) -> tuple[SendResult, str]:
        form = aiohttp.FormData(quote_fields=False)  # else a Chinese file name arrives as %E8%80%83…
        form.add_field("media", attachment.data, filename=attachment.filename, content_type=attachment.mime)
        result, answer = await self._post("upload", upload_url(url), data=form)
        return result, (answer or {}).get("media_id", "")

    async def _post(self, name: str, url: str, **kwargs) -> tuple[SendResult, dict | None]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        try:
            async with self._session.post(url, **kwargs) as resp:
                if resp.status >= 500:
                    return SendResult("retry", 60.0, f"robot {name}: HTTP {resp.status}"), None
                answer = await resp.json(content_type=None)
        except aiohttp.ClientConnectorError:
            return SendResult("retry", 30.0, f"robot {name}: connection failed"), None
        except asyncio.TimeoutError:
            return SendResult("uncertain", detail=f"robot {name}: timed out"), None
        except (aiohttp.ClientError, ValueError) as err:
            return SendResult("uncertain", detail=f"robot {name}: {type(err).__name__}"), None
        errcode = (answer or {}).get("errcode") if isinstance(answer, dict) else None
        if errcode == 0:
            return SendResult("sent"), answer
        if errcode == ROBOT_BUSY:
            log.info("robot %s answered 45009 (over its limit); retrying later", name)
            return SendResult("retry", ROBOT_LIMIT.window, f"robot {name}: errcode 45009"), None
        return SendResult("failed", detail=f"robot {name}: errcode {errcode}"), None


def upload_url(send_url: str) -> str:
    """…/webhook/send?key=K → …/webhook/upload_media?key=K&type=file (same key, same host)."""
    parts = urlsplit(send_url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["type"] = "file"
    path = parts.path.rsplit("/", 1)[0] + "/upload_media"
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))

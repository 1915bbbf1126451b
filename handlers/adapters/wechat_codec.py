"""Verify, decrypt and parse WeChat / WeCom callbacks and seal passive replies — all through wechatpy.

Every way a request can be wrong ends in `Rejected(status, reason)`: 403 for a bad signature, a
stale timestamp (a replay), a plaintext body when the AES key is configured (a downgrade: the plain
signature does not cover the body) or a message for another account; 400 for anything malformed,
including XML with a DTD, whose entity tricks (billion laughs, XXE) wechatpy's xmltodict refuses by
raising ValueError('entities are disabled') — which, uncaught, would be a 500. A reused
(timestamp, nonce) is caught by the server, which keeps them in the store (`replay_key`).
"""
from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from typing import Any, Mapping
from xml.parsers.expat import ExpatError

import wechatpy
from wechatpy.crypto import WeChatCrypto as OfficialCrypto
from wechatpy.exceptions import InvalidSignatureException, WeChatException
from wechatpy.replies import TextReply as OfficialTextReply
from wechatpy.utils import check_signature

try:  # WeCom is `wechatpy.work` from 2.0 on, `wechatpy.enterprise` in 1.8 (the pinned version)
    from wechatpy import work as wecom_api
except ImportError:  # pragma: no cover - depends on the installed wechatpy
    from wechatpy import enterprise as wecom_api

from handlers.adapters.wechat_text import cdata_safe
from handlers.core.types import Incoming

MAX_SKEW = 300  # seconds: WeChat's timestamp may be this far from our clock, older is a replay
# What a forged or garbled body can make wechatpy (xmltodict, base64, AES, struct) raise.
MALFORMED = (ValueError, KeyError, TypeError, AttributeError, IndexError, ExpatError, struct.error)


class Rejected(Exception):
    """A request we refuse: `status` is the HTTP answer, `reason` goes to the log (never a secret)."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Inbound:
    """One parsed callback: kind is "text", "subscribe", "ignore" or "unsupported"."""

    kind: str
    message: Any  # the wechatpy message, needed to address the passive reply
    incoming: Incoming | None = None


def check_fresh(timestamp: str | None, now: float) -> None:
    try:
        ts = int(timestamp or "")
    except ValueError:
        raise Rejected(400, "missing or non-numeric timestamp") from None
    if abs(now - ts) > MAX_SKEW:
        raise Rejected(403, f"stale timestamp ({int(now - ts)} s off)")


def replay_key(query: Mapping[str, str], body: bytes) -> tuple[int, str, str]:
    """(timestamp, nonce, body digest) of a request that `open` accepted (both parameters present)."""
    return int(query["timestamp"]), query["nonce"], hashlib.sha256(body).hexdigest()


def refuse_dtd(body: bytes) -> None:
    """WeChat never sends a DTD; refusing one up front keeps entity tricks away from any parser."""
    lowered = body.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        raise Rejected(400, "XML with a DTD")


def _params(query: Mapping[str, str], *names: str) -> list[str]:
    missing = [n for n in names if not query.get(n)]
    if missing:
        raise Rejected(403, f"missing {', '.join(missing)}")
    return [query[n] for n in names]


def _decrypt(crypto: Any, body: bytes | str, query: Mapping[str, str]) -> str:
    signature, timestamp, nonce = _params(query, "msg_signature", "timestamp", "nonce")
    try:
        return crypto.decrypt_message(body, signature, timestamp, nonce)
    except InvalidSignatureException:
        raise Rejected(403, "bad msg_signature") from None
    except WeChatException:  # InvalidAppIdException / InvalidCorpIdException: not for this account
        raise Rejected(403, "message for another AppID/CorpID") from None
    except MALFORMED as err:
        raise Rejected(400, f"undecryptable body ({type(err).__name__})") from None


def _parse(parse_message: Any, xml: bytes | str, platform: str) -> Inbound:
    try:
        message = parse_message(xml)
        if message is None or not message.source or not isinstance(message.source, str):
            raise ValueError("no FromUserName")
        inbound = to_inbound(platform, message)
        if inbound.incoming and not isinstance(inbound.incoming.text, str):
            raise ValueError("Content is not text")
        return inbound
    except MALFORMED as err:
        raise Rejected(400, f"malformed XML ({type(err).__name__}: {str(err)[:60]})") from None


def to_inbound(platform: str, message: Any) -> Inbound:
    """Translate a wechatpy message into the neutral `Incoming` (or say why there is none)."""
    kind, text = message.type, None
    if kind == "text":
        text = message.content or ""
    elif kind == "voice" and getattr(message, "recognition", None):
        text = message.recognition  # the official account's own speech-to-text
    elif kind == "event":
        if message.event in ("subscribe", "subscribe_scan"):
            return Inbound("subscribe", message, _incoming(platform, message, "", event=True))
        if message.event == "click" and message.key:
            text = message.key  # a menu button sends its key, e.g. "帮助"
        else:
            return Inbound("ignore", message)
    if text is None:
        return Inbound("unsupported", message, _incoming(platform, message, "", event=kind == "event"))
    return Inbound("text", message, _incoming(platform, message, text, event=kind == "event"))


def _incoming(platform: str, message: Any, text: str, event: bool) -> Incoming:
    # Messages carry a MsgId; events do not, so WeChat's own advice is FromUserName + CreateTime.
    key = f"{message.source}:{message.time}" if event or not message.id else str(message.id)
    return Incoming(platform=platform, user_id=message.source, text=text, event_key=key)


class OfficialAccountCodec:
    """The official account (公众号): plain mode (signature only) and safe mode (AES, encrypt_type=aes)."""

    platform = "wechat"

    def __init__(self, token: str, aes_key: str = "", app_id: str = ""):
        self.token = token
        self.crypto = OfficialCrypto(token, aes_key, app_id) if aes_key else None

    def _verify(self, query: Mapping[str, str], now: float) -> None:
        signature, timestamp, nonce = _params(query, "signature", "timestamp", "nonce")
        check_fresh(timestamp, now)
        try:
            check_signature(self.token, signature, timestamp, nonce)
        except InvalidSignatureException:
            raise Rejected(403, "bad signature") from None

    def handshake(self, query: Mapping[str, str], now: float) -> str:
        """GET: the server-address check echoes `echostr` when the signature is right."""
        self._verify(query, now)
        return query.get("echostr", "")

    def open(self, query: Mapping[str, str], body: bytes, now: float) -> tuple[Inbound, bool]:
        """POST: verify, decrypt (safe mode), parse. Returns the message and whether it was encrypted."""
        refuse_dtd(body)
        encrypted = query.get("encrypt_type", "raw") == "aes"
        if not encrypted:
            self._verify(query, now)
            if self.crypto is not None:  # safe and compatible mode both send encrypt_type=aes
                raise Rejected(403, "plaintext body although WECHAT_AES_KEY is set (downgrade)")
            return _parse(wechatpy.parse_message, body, self.platform), False
        if self.crypto is None:
            raise Rejected(400, "safe-mode message but WECHAT_AES_KEY is not set")
        check_fresh(query.get("timestamp"), now)
        if query.get("signature"):
            self._verify(query, now)
        xml = _decrypt(self.crypto, body, query)
        return _parse(wechatpy.parse_message, xml, self.platform), True

    def seal(self, message: Any, text: str, encrypted: bool, nonce: str, now: float) -> str:
        """The passive reply XML, encrypted and signed when the request was."""
        xml = OfficialTextReply(message=message, content=cdata_safe(text), time=int(now)).render()
        return self.crypto.encrypt_message(xml, nonce, str(int(now))) if encrypted else xml


class WeComCodec:
    """The WeCom (企业微信) app callback: always encrypted, the handshake returns the decrypted echostr."""

    platform = "wecom"

    def __init__(self, token: str, aes_key: str, corp_id: str):
        self.crypto = wecom_api.WeChatCrypto(token, aes_key, corp_id)

    def handshake(self, query: Mapping[str, str], now: float) -> str:
        signature, timestamp, nonce, echostr = _params(query, "msg_signature", "timestamp", "nonce", "echostr")
        check_fresh(timestamp, now)
        try:
            return self.crypto.check_signature(signature, timestamp, nonce, echostr)
        except InvalidSignatureException:
            raise Rejected(403, "bad msg_signature") from None
        except WeChatException:
            raise Rejected(403, "echostr for another CorpID") from None
        except MALFORMED as err:
            raise Rejected(400, f"undecryptable echostr ({type(err).__name__})") from None

    def open(self, query: Mapping[str, str], body: bytes, now: float) -> tuple[Inbound, bool]:
        refuse_dtd(body)
        check_fresh(query.get("timestamp"), now)
        xml = _decrypt(self.crypto, body, query)
        return _parse(wecom_api.parse_message, xml, self.platform), True

    def seal(self, message: Any, text: str, encrypted: bool, nonce: str, now: float) -> str:
        reply = wecom_api.replies.TextReply(message=message, content=cdata_safe(text), time=int(now))
        return self.crypto.encrypt_message(reply.render(), nonce, str(int(now)))

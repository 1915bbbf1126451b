"""A fake Bot API at PTB's network edge: a `telegram.request.BaseRequest` that records every call and
answers with canned Bot API JSON, plus builders for real Update payloads (no network at all).

After PTB's `tests/auxil/networking.py::OfflineRequest`: everything above the HTTP layer (Bot,
Application, AIORateLimiter, the adapter) is the real code.
"""
from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

BOT = {"id": 777000, "is_bot": True, "first_name": "团务助手", "username": "tuanwu_bot"}


@dataclass
class Call:
    method: str
    params: dict
    files: dict = field(default_factory=dict)  # part name -> (filename, bytes, mime)


class FakeBotAPI(BaseRequest):
    """Records calls; `fail(method, code, description, retry_after=…)` makes the next call fail."""

    def __init__(self):
        self.calls: list[Call] = []
        self.admins: set[tuple[int, int]] = set()  # (chat_id, user_id) listed by getChatAdministrators
        self._failures: dict[str, list[dict | Exception]] = {}
        self._ids = itertools.count(5000)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self) -> float:
        return 5.0

    def fail(self, method: str, code: int = 400, description: str = "Bad Request: test", retry_after: int = 0):
        body = {"ok": False, "error_code": code, "description": description}
        if retry_after:
            body["parameters"] = {"retry_after": retry_after}
        self._failures.setdefault(method, []).append(body)

    def time_out(self, method: str) -> None:
        self._failures.setdefault(method, []).append(TimedOut())

    def sent(self, method: str = "sendMessage") -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def texts(self) -> list[str]:
        return [c.params["text"] for c in self.sent()]

    async def do_request(self, url, method, request_data: RequestData | None = None, **timeouts):
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        files = request_data.multipart_data if request_data and request_data.contains_files else {}
        queued = self._failures.get(name)
        if queued:
            failure = queued.pop(0)
            if isinstance(failure, Exception):
                raise failure
            return failure["error_code"], json.dumps(failure).encode()
        self.calls.append(Call(name, params, {k: (v[0], v[1]) for k, v in files.items()}))
        return 200, json.dumps({"ok": True, "result": self._result(name, params)}).encode()

    def _result(self, name: str, params: dict):
        if name == "getMe":
            return BOT
        if name in ("sendMessage", "sendPhoto", "sendDocument"):
            chat_id = int(params["chat_id"])
            msg = {"message_id": next(self._ids), "date": int(time.time()), "from": BOT,
                   "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"}}
            if name == "sendMessage":
                msg["text"] = params["text"]
            elif name == "sendPhoto":
                msg["photo"] = [{"file_id": "p1", "file_unique_id": "p1", "width": 640, "height": 480}]
            else:
                msg["document"] = {"file_id": "d1", "file_unique_id": "d1"}
            return msg
        if name == "getChatAdministrators":
            chat_id = int(params["chat_id"])
            return [{"status": "administrator", "user": {"id": uid, "is_bot": False, "first_name": "管理员"},
                     "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
                     "can_delete_messages": True, "can_manage_video_chats": True, "can_restrict_members": True,
                     "can_promote_members": False, "can_change_info": True, "can_invite_users": True,
                     "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False}
                    for chat, uid in sorted(self.admins) if chat == chat_id]
        return True


# --- Update payloads, shaped as the Bot API delivers them -------------------------------------------

_update_ids = itertools.count(100)
_message_ids = itertools.count(1)


def user(uid: int, name: str = "小李") -> dict:
    return {"id": uid, "is_bot": False, "first_name": name, "language_code": "zh-hans"}


def private_chat(uid: int, name: str = "小李") -> dict:
    return {"id": uid, "type": "private", "first_name": name}


def group_chat(chat_id: int = -100123, title: str = "某某镇团委工作群") -> dict:
    return {"id": chat_id, "type": "supergroup", "title": title}


def message_update(text: str, uid: int = 42, chat: dict | None = None, update_id: int | None = None,
                   reply_to: dict | None = None, entities: list | None = None) -> dict:
    msg = {"message_id": next(_message_ids), "date": int(time.time()), "from": user(uid),
           "chat": chat or private_chat(uid), "text": text}
    if reply_to:
        msg["reply_to_message"] = reply_to
    if entities:
        msg["entities"] = entities
    elif text.startswith("/"):
        head = text.split()[0]
        msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(head.encode("utf-16-le")) // 2}]
    return {"update_id": update_id if update_id is not None else next(_update_ids), "message": msg}


def callback_update(data: str, uid: int = 42, chat: dict | None = None, message_id: int = 900) -> dict:
    chat = chat or private_chat(uid)
    carrier = {"message_id": message_id, "date": int(time.time()), "from": BOT, "chat": chat, "text": "请选择"}
    return {"update_id": next(_update_ids),
            "callback_query": {"id": str(next(_update_ids)), "from": user(uid), "chat_instance": "ci-1",
                               "message": carrier, "data": data}}

"""通知: broadcasts with their delivery report per chat, and sending one — as chat's `通知` does it.

Sending is the `通知 [【地区】] 内容` command in the admin's own chat: the same length limit, the same
region rule, the same queue (one delivery per subscribed chat through each platform's rate limits,
sent by whichever process runs the platform's tick) and the same delivery report afterwards, which
reaches the admin in chat as well. Global admins send; a group admin sees what reached their groups.
"""
from __future__ import annotations

from handlers.reminders.broadcasts import MAX_NOTICE
from handlers.dashboard import audit
from handlers.dashboard.viewer import Viewer, act
from handlers.core.regions import label
from handlers.core.dates import local_text
from handlers.core.types import Context

STATES = {"sent": "已送达", "failed": "失败", "dead": "失败", "uncertain": "不确定", "pending": "排队中",
          "sending": "发送中", "skipped": "已取消"}


def page(ctx: Context, viewer: Viewer) -> dict:
    notices = []
    for occ in ctx.store.outbox.occurrences_of("broadcast", 30):
        p = occ["payload"]
        deliveries = [dict(d, state_label=STATES.get(d["state"], d["state"]),
                           chat_label=d["subject"] or f"{d['platform']}:{d['chat_id']}",
                           at=local_text(d["finished_at"] or d["created_at"], ctx.settings.tz) if (d["finished_at"] or d["created_at"]) else "")
                      for d in ctx.store.outbox.deliveries(occ["id"])
                      if viewer.is_global or f"{d['platform']}:{d['chat_id']}" in viewer.chats]
        if not viewer.is_global and not deliveries:
            continue
        counts = ctx.store.outbox.delivery_counts(occ["id"])
        notices.append({"text": p.get("text", ""), "region": p.get("region") or "", "by": p.get("by", ""),
                        "at": local_text(occ["fire_at"], ctx.settings.tz), "state": occ["state"], "deliveries": deliveries,
                        "sent": counts.get("sent", 0), "failed": counts.get("failed", 0) + counts.get("dead", 0),
                        "uncertain": counts.get("uncertain", 0),
                        "waiting": counts.get("pending", 0) + counts.get("sending", 0),
                        "total": sum(counts.values())})
    return {"notices": notices, "may_send": viewer.is_global, "max": MAX_NOTICE,
            "subscribers": len(ctx.store.reminders.subscribers()), "regions": [(r, label(ctx, r)) for r in ctx.kb.regions]}


def send(ctx: Context, viewer: Viewer, form: dict) -> str:
    text = (form.get("text") or "").strip()
    region = " ".join((form.get("region") or "").split())[:20]
    if not text:
        return "请写上通知内容。"
    answer = act(ctx, viewer, f"通知 【{region}】 {text}" if region else f"通知 {text}")
    audit.record(ctx, viewer, "发送通知", text[:60], answer.splitlines()[0] if answer else "")
    return answer


ACTIONS = {"send": send}

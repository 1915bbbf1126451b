"""订阅 / 退订 / 通知: which chats receive reminders, and admins' notices broadcast to all of them.

A broadcast is an occurrence expanded into one delivery per subscribed chat (optionally of one
region); when none of its deliveries is pending any more the sender gets one delivery report —
sent, failed and uncertain (timed out: it may or may not have arrived, so it is not resent).
"""
from __future__ import annotations

import datetime as dt
import re
import uuid

from db.rows import Delivery, Occurrence, ToSubscribers
from handlers.core.arguments import Statement, region_name
from handlers.core.regions import find_region, not_found
from handlers.core.router import ADMIN, GROUP_ADMIN, command, refusal
from handlers.core.scheduler import REPORT_PRIORITY, followup, kind
from handlers.core.types import Context, Incoming

MAX_NOTICE = 1500  # WeCom text messages stop at 2048 bytes; leave room for the header
REGION_TAG = re.compile(r"^[\[【［]\s*([^\]】］]{1,12}?)\s*[\]】］]\s*")


@command("订阅", "subscribe", glued=region_name())
def subscribe(ctx: Context, msg: Incoming, args: str) -> str:
    """让本群（或本会话）接收截止提醒和通知；“订阅 枣庄”只收该地区的截止提醒。

    订阅                                      接收全部截止提醒和通知（群里由群管理员发送）
    订阅 枣庄                                 只收枣庄的截止提醒（和全部通知）
    """
    if msg.in_group and not ctx.manages_chat(msg):
        return refusal(msg, "为本群订阅提醒", GROUP_ADMIN)
    region = found = None
    if args.strip():
        found = find_region(ctx, args.strip())
        if found is None:
            return not_found(ctx, args.strip(), "；不写地区则接收全部")
        region = found.name
    ctx.store.profiles.ensure(msg.platform, msg.user_id, msg.user_name, ctx.now().isoformat(timespec="seconds"))
    new = ctx.store.reminders.subscribe(msg.platform, msg.chat, msg.chat_type, msg.chat_title, region,
                              f"{msg.platform}:{msg.user_id}", ctx.now())
    scope = f"{region}的截止提醒和全部通知" if region else "截止提醒和通知"
    where = "本群" if msg.in_group else "您"
    note = found.note(f"只会收到不限地区的和{region}的截止提醒。") if found else ""
    return (f"已订阅：{where}将收到{scope}。发送“退订”可取消。" if new
            else f"{where}已经订阅过了，现在接收{scope}。") + (f"\n{note}" if note else "")


@command("退订", "unsubscribe")
def unsubscribe(ctx: Context, msg: Incoming, args: str) -> str:
    """取消本群（或本会话）的提醒和通知订阅。

    退订                                      不再接收截止提醒和通知
    """
    if msg.in_group and not ctx.manages_chat(msg):
        return refusal(msg, "取消本群的订阅", GROUP_ADMIN)
    if ctx.store.reminders.unsubscribe(msg.platform, msg.chat):
        return "已退订，不会再向这里发送截止提醒和通知。发送“订阅”可重新订阅。"
    return "这里还没有订阅，无需退订。"


@command("通知", "broadcast", roles=(ADMIN,), glued=Statement())
def broadcast(ctx: Context, msg: Incoming, args: str) -> str:
    """向所有订阅的群发送通知，例如：通知 周五前提交考核材料；“通知 【枣庄】 …”只发该地区。

    通知 本周五下午三点召开团干部例会            发给所有订阅的群，发完告诉您送达情况
    通知 【枣庄】 请于月底前报送团员统计表        只发给订阅了枣庄的群
    """
    text, region, note = args.strip(), None, ""
    m = REGION_TAG.match(text)
    if m and (found := find_region(ctx, m[1])):  # 【重要】 is no region: it stays part of the notice
        text, region = text[m.end():].strip(), found.name
        note = found.note(f"通知只发给订阅了{found.name}和不限地区的群/会话。")
    if not text:
        return "请写上通知内容，例如：通知 本周五下午三点召开团干部例会。"
    if len(text) > MAX_NOTICE:
        return f"通知太长了（{len(text)} 字），请控制在 {MAX_NOTICE} 字以内，或分几条发送。"
    targets = ctx.store.reminders.subscribers(region)
    if not targets:
        return "还没有订阅的群" + (f"（{region}）" if region else "") + "，请先在要接收通知的群里发送“订阅”。"
    now = ctx.now()
    ctx.store.profiles.ensure(msg.platform, msg.user_id, msg.user_name, now.isoformat(timespec="seconds"))
    broadcast_id = f"{now:%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}"
    ctx.store.outbox.add_occurrences([dict(kind="broadcast", subject=broadcast_id, occurrence_key="send", fire_at=now,
                                    payload=dict(text=text, region=region, by=msg.user_name or msg.user_id,
                                                 platform=msg.platform, chat=msg.chat, chat_type=msg.chat_type))], now)
    scope = f"{region}的 " if region else ""
    return (f"通知已排队，将发送给{scope}{len(targets)} 个订阅的群/会话；发送完毕后会把送达情况告诉您。"
            + (f"\n{note}" if note else ""))


@kind("broadcast", describe=lambda ctx, occ: f"通知「{occ['payload']['text'][:20]}」")
def expand_broadcast(ctx: Context, occ: Occurrence, now: dt.datetime, late: str) -> ToSubscribers:
    """One delivery per subscribed chat (of the region, when one was named), computed now."""
    p = occ["payload"]
    text = f"📢 通知：{p['text']}" + (f"\n{late}" if late else "")
    return ToSubscribers(f"broadcast:{occ['subject']}", "broadcast", text, p["region"], title_as_subject=True)


@followup
def report_finished_broadcasts(ctx: Context, now: dt.datetime) -> None:
    """A broadcast none of whose deliveries is pending any more gets its delivery report, once."""
    for occ in ctx.store.outbox.finished_occurrences("broadcast"):
        if ctx.store.outbox.set_occurrence_state(occ["id"], "expanded", "done"):
            ctx.store.outbox.add_occurrences([dict(kind="broadcast_report", subject=occ["subject"], occurrence_key="report",
                                            fire_at=now, payload=dict(occ["payload"], occurrence=occ["id"]))], now)


def delivery_summary(ctx: Context, occurrence_id: int, head: str) -> str:
    """Totals per outcome, then the chats that failed or may not have received it (by name, while the
    deliveries are kept; after retention pruned them only the totals remain)."""
    counts = ctx.store.outbox.delivery_counts(occurrence_id)
    failed_n, uncertain_n = counts.get("failed", 0) + counts.get("dead", 0), counts.get("uncertain", 0)
    lines = [f"{head}：共 {sum(counts.values())} 个，成功 {counts.get('sent', 0)}，失败 {failed_n}，不确定 {uncertain_n}。"]
    for label, states, total in (("失败", ("failed", "dead"), failed_n),
                                 ("不确定是否送达（超时或中断，未重发）", ("uncertain",), uncertain_n)):
        group = [r for state in states for r in ctx.store.outbox.deliveries(occurrence_id, state)] if total else []
        if group:
            names = "、".join(r["subject"] or f"{r['platform']}:{r['chat_id']}" for r in group[:10])
            lines.append(f"{label}：{names}" + (f" 等 {total} 个" if total > 10 else ""))
    return "\n".join(lines)


@kind("broadcast_report")
def expand_report(ctx: Context, occ: Occurrence, now: dt.datetime, late: str) -> list[Delivery]:
    """The delivery report, to the chat the broadcast was sent from."""
    p = occ["payload"]
    lines = [delivery_summary(ctx, p["occurrence"], f"通知「{p['text'][:30]}」发送完毕")]
    if late:
        lines.append(late)
    return [Delivery(f"broadcast_report:{occ['subject']}|{p['platform']}:{p['chat']}", p["platform"], p["chat"],
                     "\n".join(lines), kind="report", chat_type=p.get("chat_type", "private"), priority=REPORT_PRIORITY)]


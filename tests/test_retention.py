"""Retention: the tick prunes inbound events, finished deliveries and logged misses past their age, in
small batches; a broadcast's delivery counts outlive its rows; pending work is never pruned."""
import dataclasses
import datetime as dt
import logging

from db.rows import Delivery
from handlers import retention
from handlers.core.router import dispatch
from handlers.core.types import SendResult
from conftest import SHANGHAI, operator
from scheduling import FakePlatform, group, tick

DAY = dt.timedelta(days=1)


def iso(instant):
    return instant.isoformat(timespec="seconds")


def with_env(ctx, **env):
    ctx.settings = dataclasses.replace(ctx.settings, env={**ctx.settings.env, **env})


def fill(ctx, now, events=0, misses=0):
    for n in range(events):
        ctx.store.events.claim("telegram", f"{now:%m%d}-{n}", iso(now))
    for n in range(misses):
        ctx.store.misses.log(iso(now), "console", None, f"问题{n}", f"问题{n}", "decline", 0.1, [])


def counts(ctx):
    db = ctx.store.db
    return {t: db[t].count for t in ("inbound_event", "outbox", "ask_log")}


def test_the_tick_prunes_what_is_past_its_age_and_keeps_the_rest(ctx, clock):
    fill(ctx, clock.now - 8 * DAY, events=3)  # past the 7 days kept
    fill(ctx, clock.now - 6 * DAY, events=2)
    fill(ctx, clock.now - 181 * DAY, misses=4)  # past the 180 days kept
    fill(ctx, clock.now - 170 * DAY, misses=1)
    report = tick(ctx)
    assert report.pruned == 7 and "pruned 7" in str(report)
    assert counts(ctx)["inbound_event"] == 2 and counts(ctx)["ask_log"] == 1
    old = f"{clock.now - 8 * DAY:%m%d}-0"
    assert ctx.store.events.claim("telegram", old, iso(clock.now)) is True  # forgotten: a new event again


def _broadcast(ctx, clock, chats=("-1", "-2", "-3"), failing=("-2",)):
    for chat in chats:
        dispatch(ctx, group("订阅", chat=chat))
    dispatch(ctx, operator("通知 周五下午三点开会"))
    tg = FakePlatform("telegram", clock, {c: [SendResult("failed", detail="blocked")] for c in failing})
    con = FakePlatform("console", clock)
    tick(ctx, tg, con)
    return tg, con


def test_a_broadcast_keeps_its_counts_after_its_deliveries_are_pruned(ctx, clock):
    _, con = _broadcast(ctx, clock)
    assert "共 3 个，成功 2，失败 1" in con.texts()[0] and "群-2" in con.texts()[0]
    occurrence = ctx.store.db.execute("SELECT id FROM occurrence WHERE kind = 'broadcast'").fetchone()[0]
    clock.advance(days=29)
    tick(ctx)
    assert ctx.store.outbox.delivery_counts(occurrence) == {"sent": 2, "failed": 1}
    assert counts(ctx)["outbox"] == 4  # 3 deliveries and the report, 29 days old: kept
    clock.advance(days=2)
    tick(ctx)
    assert counts(ctx)["outbox"] == 0
    assert ctx.store.outbox.delivery_counts(occurrence) == {"sent": 2, "failed": 1}  # the summary outlives the rows
    from handlers.reminders.broadcasts import delivery_summary

    assert delivery_summary(ctx, occurrence, "通知") == "通知：共 3 个，成功 2，失败 1，不确定 0。"


def test_pending_deliveries_are_never_pruned_however_old(ctx, clock):
    ctx.store.outbox.queue_deliveries([Delivery("x|telegram:-9", "telegram", "-9", "稍后发送")], clock.now)
    clock.advance(days=400)
    tick(ctx)  # no telegram sender in this process: it stays pending
    assert [r["state"] for r in ctx.store.outbox.deliveries()] == ["pending"]


def test_a_backlog_drains_in_batches_over_several_ticks(ctx, clock, monkeypatch):
    monkeypatch.setattr(retention, "BATCH", 10)
    monkeypatch.setattr(retention, "BUDGET", 0.0)  # one batch a tick
    fill(ctx, clock.now - 30 * DAY, events=25)
    batches = []
    real = ctx.store.events.prune
    monkeypatch.setattr(ctx.store.events, "prune", lambda before, n: batches.append(real(before, n)) or batches[-1])
    tick(ctx)
    assert counts(ctx)["inbound_event"] == 15 and batches == [10]
    clock.advance(seconds=30)
    tick(ctx)  # the backlog continues at once, without waiting for the interval
    tick(ctx)
    assert counts(ctx)["inbound_event"] == 0 and batches == [10, 10, 5]


def test_between_runs_a_tick_does_not_scan_again(ctx, clock, monkeypatch):
    calls = []
    monkeypatch.setattr(ctx.store.events, "prune", lambda before, n: calls.append(before) or 0)
    tick(ctx)
    clock.advance(minutes=5)
    tick(ctx)
    clock.advance(minutes=6)
    tick(ctx)
    assert len(calls) == 2


def test_retention_is_configurable_and_off_keeps_everything(ctx, clock, caplog):
    fill(ctx, clock.now - 3 * DAY, events=2, misses=2)
    with_env(ctx, TUANWU_KEEP_EVENTS_DAYS="2", TUANWU_MISS_DAYS="0")
    tick(ctx)
    assert counts(ctx)["inbound_event"] == 0 and counts(ctx)["ask_log"] == 2
    with_env(ctx, TUANWU_KEEP_DELIVERIES_DAYS="soon", TUANWU_KEEP_EVENTS_DAYS="off")
    with caplog.at_level(logging.WARNING):
        assert retention.keep_days(ctx, "DELIVERIES") == 30 and retention.keep_days(ctx, "EVENTS") is None
    assert "TUANWU_KEEP_DELIVERIES_DAYS" in caplog.text


def test_misses_are_pruned_in_batches_and_their_groups_keep_counting(store):
    now = dt.datetime(2026, 11, 23, 9, tzinfo=SHANGHAI)
    group = store.misses.add_group("团徽是什么图案？", "团徽是什么图案?", ["团徽", "图案"])
    for days in (200, 190, 10):
        store.misses.log(iso(now - days * DAY), "console", None, "团徽是什么图案？", "团徽是什么图案?", "decline",
                           0.1, [], group)
    assert store.misses.prune(iso(now - 180 * DAY), 1) == 1  # a batch of one
    assert store.misses.groups()[0]["count"] == 2
    assert store.misses.prune(iso(now - 180 * DAY), 500) == 1
    assert [r["at"][:10] for r in store.misses.logged()] == ["2026-11-13"]
    assert store.misses.groups()[0]["count"] == 1

"""Check-in storage under concurrency and restarts, and the verbs the reminder scheduler relies on."""
import datetime as dt
import threading

import pytest

from conftest import FakeClock, both_backends, process_pool
from db import Store
from handlers.core.router import dispatch
from handlers.core.types import Context, Incoming, Settings

DAY = dt.date(2026, 11, 23)
backend = pytest.fixture(params=["sqlite", "postgresql"])(both_backends)


def _check_in(path: str, user: str, text: str = "组织青年大学习第12期学习") -> str:
    """One member checking in through the real handler, on a Store of its own (as another process would)."""
    store = Store(path)
    try:
        # Linked by words: this measures the store under concurrency, not five processes embedding the
        # plans at once (linking by meaning is test_linking*.py's).
        settings = Settings(db_path=path, env={"TUANWU_EMBEDDER": "off"})
        ctx = Context(store=store, kb=None, settings=settings, clock=FakeClock())
        msg = Incoming(platform="telegram", user_id=user, user_name=f"成员{user}", text=f"打卡 {text}",
                       chat_id="-100", chat_type="group", chat_title="城东街道团工委")
        return dispatch(ctx, msg)[0].text
    finally:
        store.close()


def _threads(n: int, target) -> None:
    start = threading.Barrier(n)

    def run(i):
        start.wait()
        target(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_fifty_concurrent_check_ins_from_threads_are_fifty_rows(db_target):
    path = db_target
    replies = []
    _threads(50, lambda i: replies.append(_check_in(path, str(i))))
    assert len(replies) == 50 and all("已打卡" in r for r in replies)
    with Store(path) as store:
        assert store.checkins.count() == 50
        org = store.orgs.of_member("telegram", "7")
        assert len(store.orgs.members(org["id"])) == 50
        assert set(store.checkins.status(org["id"], DAY).values()) == {"checked"}


@pytest.mark.slow
def test_fifty_concurrent_check_ins_from_processes_are_fifty_rows(db_target):
    path = db_target
    with process_pool(5) as pool:
        replies = list(pool.map(_check_in, [path] * 50, [str(i) for i in range(50)]))
    assert all("已打卡" in r for r in replies)
    with Store(path) as store:
        assert store.checkins.count() == 50
        assert store.db["checkin_revision"].count == 50


def test_one_member_checking_in_from_many_threads_keeps_every_entry_numbered_once(db_target):
    path = db_target
    _check_in(path, "1")
    _threads(20, lambda i: _check_in(path, "1", f"第{i}次：开展志愿服务"))
    with Store(path) as store:
        assert store.checkins.count() == 21  # two tasks on one day are two entries: none lost
        entries = store.checkins.day(store.profiles.get("telegram", "1")["id"], DAY)
        assert sorted(e["seq"] for e in entries) == list(range(1, 22))
        assert sorted(e["text"] for e in entries[1:]) == sorted(f"第{i}次：开展志愿服务" for i in range(20))
        assert store.db["checkin_revision"].count == 21


@pytest.mark.slow
def test_one_member_checking_in_from_many_processes_keeps_every_entry(db_target):
    path = db_target
    with process_pool(5) as pool:
        list(pool.map(_check_in, [path] * 20, ["1"] * 20, [f"第{i}条" for i in range(20)]))
    with Store(path) as store:
        entries = store.checkins.day(store.profiles.get("telegram", "1")["id"], DAY)
        assert sorted(e["seq"] for e in entries) == list(range(1, 21))
        assert sorted(e["text"] for e in entries) == sorted(f"第{i}条" for i in range(20))


def test_check_ins_survive_a_restart(db_target):
    path = db_target
    _check_in(path, "5")
    with Store(path) as store:
        row = store.checkins.last_of_day(store.profiles.get("telegram", "5")["id"], DAY)
        assert row["text"] == "组织青年大学习第12期学习" and "青年大学习" in row["item_label"]


def test_scheduler_verbs_have_the_agreed_shape(store):
    now = "2026-11-23T01:00:00+00:00"
    a = store.profiles.ensure("telegram", "1", "张三", now)
    b = store.profiles.ensure("wecom", "lisi", "李四", now)
    c = store.profiles.ensure("telegram", "3", "王五", now)
    group = store.orgs.ensure_group("telegram", "-100", "城东团工委", "Asia/Shanghai", None, now)
    named = store.orgs.ensure_named("西区团委", "wecom", "Asia/Shanghai", "东莞", now)
    for ident in (a, c):
        store.orgs.join(ident["id"], group["id"], now)
    store.orgs.join(b["id"], named["id"], now)

    orgs = {o["name"]: o for o in store.orgs.all()}
    assert orgs["城东团工委"] == {"id": group["id"], "name": "城东团工委", "platform": "telegram",
                              "platform_chat_id": "-100", "region": None, "timezone": "Asia/Shanghai",
                              "backfill_days": None}
    assert orgs["西区团委"]["platform_chat_id"] is None and orgs["西区团委"]["region"] == "东莞"
    assert store.orgs.members(group["id"]) == [
        {"identity_id": a["id"], "platform": "telegram", "platform_user_id": "1", "name": "张三"},
        {"identity_id": c["id"], "platform": "telegram", "platform_user_id": "3", "name": "王五"}]
    assert store.orgs.of_member("wecom", "lisi")["id"] == named["id"]
    assert store.orgs.of_member("telegram", "nobody") is None

    store.checkins.record(a["id"], group["id"], DAY, {"text": "组织学习"}, now)
    store.checkins.excuse(c["id"], [DAY], "培训", now)
    assert store.checkins.status(group["id"], DAY) == {a["id"]: "checked", c["id"]: "excused"}
    assert store.checkins.status(group["id"], DAY + dt.timedelta(days=1)) == {a["id"]: "missing", c["id"]: "missing"}

    store.orgs.join(a["id"], named["id"], now)  # a member belongs to one org at a time
    assert [m["identity_id"] for m in store.orgs.members(group["id"])] == [c["id"]]

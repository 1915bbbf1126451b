"""The daily check-in nudge: workdays only (调休 Saturdays in, 国庆 out, weekdays plus a warning where
the calendar has no data), only members with no check-in and no leave — decided at send time — then
one group digest; after downtime the nudge expires, the digest goes out late.

The nudge reads the check-in feature's repositories (`store.orgs`, `store.checkins.status`); these tests
put a small stand-in in their place, defined here only, so each day's states are set directly."""
import datetime as dt

import pytest

from db import Store
from handlers.core.router import dispatch
from handlers.core.types import Context, Settings
from conftest import SHANGHAI, FakeClock, message, operator
from scheduling import FakePlatform, tick


class StubOrgs:
    """Test-only stand-in for `store.orgs` (same verbs, same shapes): one group org of three."""

    def __init__(self):
        self.stub_orgs = [dict(id=1, name="东城街道团委", platform="telegram", platform_chat_id="-500", region="东莞",
                               timezone="Asia/Shanghai")]
        self.stub_members = {1: [dict(identity_id=11, platform="telegram", platform_user_id="1001", name="张三"),
                                 dict(identity_id=12, platform="telegram", platform_user_id="1002", name="李四"),
                                 dict(identity_id=13, platform="telegram", platform_user_id="1003", name="王五")]}

    def all(self) -> list[dict]:
        return list(self.stub_orgs)

    def get(self, org_id: int) -> dict | None:
        return next((o for o in self.stub_orgs if o["id"] == org_id), None)

    def members(self, org_id: int) -> list[dict]:
        return list(self.stub_members.get(org_id, []))


class StubCheckins:
    """Test-only stand-in for `store.checkins.status`: each day's states as the test sets them."""

    def __init__(self, orgs: StubOrgs):
        self.orgs, self.stub_status = orgs, {}

    def status(self, org_id: int, work_date: dt.date) -> dict[int, str]:
        day = self.stub_status.get(work_date.isoformat(), {})
        return {m["identity_id"]: day.get(m["identity_id"], "missing") for m in self.orgs.members(org_id)}


class NudgeStore(Store):
    def __init__(self, path):
        super().__init__(path)
        self.orgs = StubOrgs()
        self.checkins = StubCheckins(self.orgs)

    def check_in(self, day: dt.date, identity_id: int, state: str = "checked") -> None:
        self.checkins.stub_status.setdefault(day.isoformat(), {})[identity_id] = state


@pytest.fixture
def nctx(tmp_path):
    store = NudgeStore(tmp_path / "nudge.db")
    settings = Settings(db_path=store.path, admins=("telegram:boss",))
    yield Context(store=store, kb=None, settings=settings, clock=FakeClock())
    store.close()


def at(day: dt.date, hour=17, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), SHANGHAI)


MONDAY = dt.date(2026, 11, 23)


def nudged(platform):
    return sorted(s.chat_id for s in platform.sent if s.text.startswith("⏰ 打卡提醒"))


def test_only_members_missing_a_checkin_are_nudged_then_one_digest(nctx):
    nctx.store.check_in(MONDAY, 11)
    nctx.store.check_in(MONDAY, 12, "excused")
    tg = FakePlatform("telegram", nctx.clock)
    nctx.clock.now = at(MONDAY, 16, 59)
    tick(nctx, tg)
    assert tg.sent == []
    nctx.clock.now = at(MONDAY)
    tick(nctx, tg)
    tick(nctx, tg)
    assert [s.chat_id for s in tg.sent] == ["1003", "-500"]  # the nudge, then the group digest
    digest = tg.texts("-500")[0]
    assert "已打卡 1 人，请假 1 人，未打卡 1 人" in digest and "王五" in digest and "张三" not in digest


def test_a_member_who_checks_in_after_planning_but_before_sending_is_not_nudged(nctx):
    nctx.clock.now = at(MONDAY)
    tick(nctx)  # planned and expanded; no Telegram sender in this process, so nothing is sent yet
    assert len(nctx.store.outbox.deliveries(state="pending")) == 3
    nctx.store.check_in(MONDAY, 13)
    nctx.clock.advance(minutes=1)
    tg = FakePlatform("telegram", nctx.clock)
    tick(nctx, tg)
    assert nudged(tg) == ["1001", "1002"]
    skipped = nctx.store.outbox.deliveries(state="skipped")
    assert [(r["chat_id"], r["detail"]) for r in skipped] == [("1003", "已打卡")]
    assert "未打卡 2 人" in tg.texts("-500")[0]  # the digest counts at send time too


@pytest.mark.parametrize("day,work", [
    (dt.date(2026, 10, 10), True),  # Saturday, a make-up workday (调休) after 国庆
    (dt.date(2026, 10, 1), False),  # 国庆
    (dt.date(2026, 10, 11), False),  # an ordinary Sunday
    (dt.date(2026, 11, 23), True),  # an ordinary Monday
])
def test_chinese_workdays(nctx, day, work):
    tg = FakePlatform("telegram", nctx.clock)
    nctx.clock.now = at(day)
    tick(nctx, tg)
    assert (nudged(tg) == ["1001", "1002", "1003"]) is work
    assert tg.texts("boss") == []  # the calendar knows 2026: no warning


def test_a_year_without_calendar_data_falls_back_to_weekdays_and_warns_once(nctx):
    tg = FakePlatform("telegram", nctx.clock)
    for day in range(3, 10):  # Monday 3 March 2031 to Sunday the 9th
        nctx.clock.now = at(dt.date(2031, 3, day))
        tick(nctx, tg)
    days = [dt.datetime.fromtimestamp(s.at, SHANGHAI).day for s in tg.sent if s.chat_id == "1001"]
    assert days == [3, 4, 5, 6, 7]
    warning = tg.texts("boss")
    assert len(warning) == 1 and "没有 2031 年的数据" in warning[0] and "周一至周五" in warning[0]


def test_the_override_table_comes_first(nctx):
    assert "已设置" in dispatch(nctx, operator("工作日 2026-11-24 休息 团市委统一调休"))[0].text
    assert "工作日" in dispatch(nctx, operator("工作日 2026-11-28 上班"))[0].text
    assert "只有管理员" in dispatch(nctx, message("工作日 2026-11-29 上班", platform="telegram"))[0].text
    assert "休息日（管理员设置）" in dispatch(nctx, operator("工作日 2026-11-24"))[0].text
    tg = FakePlatform("telegram", nctx.clock)
    for day in (24, 28):
        nctx.clock.now = at(dt.date(2026, 11, day))
        tick(nctx, tg)
    assert [dt.datetime.fromtimestamp(s.at, SHANGHAI).day for s in tg.sent if s.chat_id == "1001"] == [28]


def test_downtime_expires_the_nudge_and_the_digest_goes_out_late(nctx):
    tg = FakePlatform("telegram", nctx.clock)
    nctx.clock.now = at(MONDAY, 10)
    tick(nctx, tg)
    nctx.clock.now = at(MONDAY + dt.timedelta(days=1), 10)  # down from Monday 10:00 to Tuesday 10:00
    report = tick(nctx, tg)
    assert report.expired == 1 and nudged(tg) == []
    assert "补发" in tg.texts("-500")[0]
    assert "1 条提醒已过期" in tg.texts("boss")[0] and "打卡提醒" in tg.texts("boss")[0]


def test_the_nudge_time_is_configurable(nctx):
    nctx.settings = Settings(db_path=nctx.store.path, env={"TUANWU_NUDGE_AT": "18:30"})
    tg = FakePlatform("telegram", nctx.clock)
    nctx.clock.now = at(MONDAY)
    tick(nctx, tg)
    assert tg.sent == []
    nctx.clock.now = at(MONDAY, 18, 30)
    tick(nctx, tg)
    assert nudged(tg) == ["1001", "1002", "1003"]

"""`bot.py migrate --to postgresql://…`: a SQLite deployment (plans, FAQ, check-ins with their history,
deadlines, the outbox, profiles, orgs) moves into PostgreSQL with every count verified; running it again
doubles nothing; and the bot on the new database carries on where the old one stopped."""
import os
import subprocess
import sys

import pytest

from conftest import ROOT, message, operator
from db import Store
from handlers.core.router import dispatch
from scheduling import FakePlatform, tick


@pytest.fixture
def backend() -> str:
    """The deployment being moved is a SQLite file, whatever TUANWU_TEST_BACKEND says."""
    return "sqlite"


def migrate(db, to, env=None):
    return subprocess.run([sys.executable, str(ROOT / "bot.py"), "migrate", "--to", to, "--db", str(db)],
                          capture_output=True, text=True, timeout=300, env=dict(os.environ, **(env or {})))


def check_in(ctx, user, text):
    return dispatch(ctx, message(f"打卡 {text}", user=user, platform="telegram", chat_id="-100",
                                 chat_type="group", chat_title="城东街道团工委", user_name=f"成员{user}"))[0].text


@pytest.mark.slow
def test_a_deployment_moves_with_counts_verified_and_moving_twice_doubles_nothing(ctx, clock, pg_server):
    for user in ("1", "2", "3"):
        assert "已打卡" in check_in(ctx, user, "组织青年大学习第12期学习")
    assert "已打卡" in check_in(ctx, "1", "开展志愿服务")
    ident = ctx.store.profiles.get("telegram", "1")["id"]
    ctx.store.checkins.edit(ident, clock.now.date(), {"text": "开展社区志愿服务"}, "2026-11-23T02:00:00Z")
    dispatch(ctx, operator("截止 添加 2026-12-31 提交年度考核材料"))
    dispatch(ctx, operator("截止 添加 2026-12-20 报送团员统计表"))
    ctx.store.reminders.delete_deadline(2, clock.now)  # its number is never handed out again
    for n in range(5):
        ctx.store.reminders.subscribe("fake", f"c{n}", "group", f"群{n}", None, "test", clock.now)
    dispatch(ctx, operator("通知 周五前提交考核材料"))
    fake = FakePlatform("fake", clock)
    tick(ctx, fake)
    entry = ctx.store.faq.add("团员证丢了怎么补办？", "向所在团支部提出申请。", now="2026-11-23T01:00:00Z")
    ctx.kb.reload_faq()
    answer = ctx.kb.ask("团员证丢了怎么补办？").as_json()
    assert answer["matched"]
    ctx.store.close()

    url = pg_server.create_database()
    first = migrate(ctx.settings.db_path, url)
    assert first.returncode == 0, first.stderr
    assert "逐表核对数目一致" in first.stdout
    for table in ("identity", "org", "org_member", "checkin", "checkin_revision", "deadline", "outbox",
                  "occurrence", "faq_entry", "passage", "document", "vector"):
        assert any(line.split()[:1] == [table] and line.rstrip().endswith("✓") for line in first.stdout.splitlines()), \
            (table, first.stdout)

    again = migrate(ctx.settings.db_path, url)
    assert again.returncode == 0, again.stderr
    assert again.stdout.split("\n")[:-2] == first.stdout.split("\n")[:-2]  # the same counts: nothing doubled

    with Store(ctx.settings.db_path) as lite, Store(url) as pg:
        assert pg.checkins.day_history(ident, clock.now.date()) == lite.checkins.day_history(ident, clock.now.date())
        assert [d["id"] for d in pg.reminders.deadlines()] == [1]
        assert pg.reminders.add_deadline({"title": "新事项", "due_at": "2027-01-01T01:00:00Z",
                                          "due_date": "2027-01-01", "source": "admin"}) == 3
        assert pg.outbox.deliveries() == lite.outbox.deliveries()
        assert pg.faq.entry(entry) == lite.faq.entry(entry)
        next_id = pg.checkins.record(ident, None, clock.now.date(), {"text": "第三件事"}, "2026-11-23T03:00:00Z")["id"]
        assert next_id == max(r["id"] for r in lite.db["checkin"].rows) + 1
    from knowledge.base import KnowledgeBase

    with Store(url) as pg:
        assert KnowledgeBase(pg, ctx.settings.data_dir, ctx.kb.embedder).ask("团员证丢了怎么补办？").as_json() == answer


@pytest.mark.slow
def test_moving_house_says_what_is_wrong(tmp_path, indexed_db, pg_server):
    bad_url = migrate(indexed_db, str(tmp_path / "other.db"))
    assert bad_url.returncode == 2 and "postgresql://" in bad_url.stderr and "Traceback" not in bad_url.stderr
    missing = migrate(tmp_path / "nope.db", pg_server.url)
    assert missing.returncode == 2 and "找不到要搬迁的 SQLite 数据库文件" in missing.stderr
    closed = pg_server.database_url("postgres").replace(str(pg_server.port), "1")
    unreachable = migrate(indexed_db, closed.replace("postgres@", "postgres:s3cret@"))
    assert unreachable.returncode == 1 and "无法连接 PostgreSQL 数据库" in unreachable.stderr
    assert "s3cret" not in unreachable.stderr and "Traceback" not in unreachable.stderr

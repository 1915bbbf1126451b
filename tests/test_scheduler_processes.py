"""The scheduler across processes: killed with SIGKILL mid-broadcast then restarted, every target
gets exactly one delivery (or one reported `uncertain`); two processes ticking at once double
nothing; and the scripted console + `bot.py tick` prints an alert once."""
import bisect
import collections
import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from handlers.core.router import dispatch
from conftest import ROOT, message, operator, both_backends

backend = pytest.fixture(params=["sqlite", "postgresql"])(both_backends)

pytestmark = pytest.mark.slow  # starts processes or scores whole question sets: -m 'not slow' skips it

CHILD = str(Path(__file__).with_name("sched_child.py"))


def child(db, at, log, *extra):
    return [sys.executable, CHILD, "--db", str(db), "--at", at.isoformat(), "--log", str(log), *extra]


def read_log(path):
    """The fake platform's records, one JSON line per send."""
    records, torn = read_log_torn(path)
    assert torn == [], torn
    return records


def read_log_torn(path):
    """(records, torn lines): a SIGKILL can cut the line being written (write(2) to a file may stop
    short on a fatal signal), so a line that is not whole JSON is returned apart, for the test to judge."""
    if not path.exists():
        return [], []
    records, torn = [], []
    for line in path.read_bytes().split(b"\n"):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line.decode("utf-8")))
        except (UnicodeDecodeError, ValueError):
            torn.append(line)
    return records, torn


def whole_lines(path) -> int:
    """Records written so far, counted without parsing: a poll may meet a line still being written."""
    return path.read_bytes().count(b"\n") if path.exists() else 0


def seal(path) -> None:
    """End a line the killed process left unfinished, so the next process's first line stays whole."""
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with path.open("ab") as f:
            f.write(b"\n")


def test_sigkill_mid_broadcast_then_restart_loses_and_doubles_nothing(ctx, clock, tmp_path):
    chats = [f"c{n}" for n in range(1000)]
    for chat in chats:
        ctx.store.reminders.subscribe("fake", chat, "group", f"群{chat}", None, "test", clock.now)
    dispatch(ctx, operator("通知 全体团干部周五前提交考核材料"))
    log = tmp_path / "platform.log"
    proc = subprocess.Popen(child(ctx.store.path, clock.now, log, "--platform", "fake", "--platform", "console",
                                  "--delay", "0.003"))
    deadline = time.monotonic() + 60
    while whole_lines(log) < 300 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    while not ctx.store.outbox.deliveries(state="sending") and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.001)  # a loaded machine may catch it between two batches: kill it with sends in flight
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    seal(log)
    states = collections.Counter(r["state"] for r in ctx.store.outbox.deliveries())
    assert states["pending"] > 0 and states["sending"] > 0, states  # killed in the middle, sends in flight

    clock.advance(minutes=5)  # the dead process's claims have run out
    subprocess.run(child(ctx.store.path, clock.now, log, "--platform", "fake", "--platform", "console"),
                   check=True, timeout=120)

    records, torn = read_log_torn(log)
    assert len(torn) <= 1  # only the one write the kill interrupted can be cut
    delivered = collections.Counter(e["chat"] for e in records if e["platform"] == "fake")
    assert max(delivered.values()) == 1  # nobody got it twice
    rows = {r["chat_id"]: r["state"] for r in ctx.store.outbox.deliveries() if r["platform"] == "fake"}
    assert sorted(rows) == sorted(chats)  # one delivery row per target
    assert set(rows.values()) <= {"sent", "uncertain"}  # none missing
    assert all(chat in delivered for chat, state in rows.items() if state == "sent")
    uncertain = [c for c, s in rows.items() if s == "uncertain"]
    assert 0 < len(uncertain) <= 8  # only the sends in flight at the kill
    for line in torn:  # a cut record was a send in flight: reported uncertain, never sent again
        cut = re.search(rb'"chat": "(c\d+)"', line)
        if cut:
            assert rows[cut[1].decode()] == "uncertain" and cut[1].decode() not in delivered
    report = [e["text"] for e in records if e["platform"] == "console"]
    assert len(report) == 1
    assert f"共 1000 个，成功 {1000 - len(uncertain)}，失败 0，不确定 {len(uncertain)}" in report[0]


@pytest.mark.parametrize("exclusive", [True, False], ids=["send-lease", "row-claims-only"])
def test_two_processes_ticking_at_once_double_nothing(ctx, clock, tmp_path, exclusive):
    for n in range(300):
        ctx.store.reminders.subscribe("fake", f"c{n}", "group", f"群{n}", None, "test", clock.now)
    dispatch(ctx, operator("截止 添加 2026-11-30 报送团员统计表"))
    dispatch(ctx, operator("通知 开会"))
    log = tmp_path / "platform.log"
    extra = ["--loops", "4", "--delay", "0.001"] + ([] if exclusive else ["--no-exclusive"])
    clock.now = clock.now.replace(day=29)  # the 1-day alert is due
    procs = [subprocess.Popen(child(ctx.store.path, clock.now, log, *extra)) for _ in range(2)]
    for p in procs:
        assert p.wait(timeout=120) == 0
    sent = collections.Counter((e["chat"], e["text"]) for e in read_log(log))
    assert max(sent.values()) == 1
    assert len(sent) == 600  # every chat: the notice and the alert


def test_workers_sharing_the_queue_keep_one_global_rate_limit(ctx, clock, tmp_path):
    """Three tick workers without the send lease drain one broadcast side by side: each delivery goes
    once, and the platform's 40-a-second limit holds over all three (the windows live in the database)."""
    for n in range(200):
        ctx.store.reminders.subscribe("fake", f"c{n}", "group", f"群{n}", None, "test", clock.now)
    dispatch(ctx, operator("通知 周五前提交考核材料"))
    log = tmp_path / "platform.log"
    extra = ["--no-exclusive", "--realtime", "--limit", "40", "--platform", "fake", "--together", str(tmp_path / "ready"), "3"]
    procs = [subprocess.Popen(child(ctx.store.path, clock.now, log, *extra)) for _ in range(3)]
    for p in procs:
        assert p.wait(timeout=120) == 0
    sent = collections.Counter(e["chat"] for e in read_log(log) if e["platform"] == "fake")
    assert len(sent) == 200 and max(sent.values()) == 1
    rows = [r for r in ctx.store.outbox.deliveries() if r["platform"] == "fake"]
    assert {r["state"] for r in rows} == {"sent"} and len({r["claimed_by"] for r in rows}) >= 2  # shared out
    times = sorted(dt.datetime.fromisoformat(r["attempted_at"]).timestamp() for r in rows)
    busiest = max(bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times))
    assert 30 <= busiest <= 40  # never past the limit in any rolling second, and near it while draining


def test_scripted_console_then_cli_tick_prints_the_alert_once(db_target, tmp_path):
    db = db_target
    env = dict(os.environ, TUANWU_DATA_DIR=str(tmp_path), PYTHONWARNINGS="ignore")

    def bot(*args, stdin=""):
        return subprocess.run([sys.executable, str(ROOT / "bot.py"), *args, "--db", str(db)], input=stdin,
                              capture_output=True, text=True, env=env, timeout=120, check=True).stdout

    out = bot("console", stdin="截止 添加 2030-12-31 提交年度考核材料\n订阅\n")
    assert "已添加截止事项" in out and "已订阅" in out
    first = bot("tick", "--at", "2030-12-24T09:00:00+08:00")
    assert first.count("[推送 → console] ⏰ 截止提醒：提交年度考核材料") == 1
    assert "还有 7 天" in first
    assert bot("tick", "--at", "2030-12-24T09:00:00+08:00") == ""


def test_the_log_reader_tells_a_cut_line_from_whole_ones(tmp_path):
    """What a SIGKILL mid-write leaves: half a record (cut inside a multi-byte character), then the next
    process's whole records once the line is sealed."""
    log = tmp_path / "platform.log"
    whole = json.dumps({"platform": "fake", "chat": "c1", "text": "通知"}, ensure_ascii=False).encode()
    cut = json.dumps({"platform": "fake", "chat": "c2", "text": "通知"}, ensure_ascii=False).encode()[:-4]
    log.write_bytes(whole + b"\n" + cut)
    assert whole_lines(log) == 1
    seal(log)
    with log.open("ab") as f:
        f.write(whole.replace(b"c1", b"c3") + b"\n")
    records, torn = read_log_torn(log)
    assert [r["chat"] for r in records] == ["c1", "c3"] and torn == [cut]

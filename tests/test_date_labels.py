"""The one way dates are written to cadres (handlers/core/dates.py): every feature's label has its weekday."""
import datetime as dt
from zoneinfo import ZoneInfo

from handlers.core.dates import day_label, iso_label, local_text, short_day, stamp

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_day_is_written_with_its_weekday_in_each_form_the_features_use():
    day = dt.date(2026, 11, 23)  # a Monday
    assert day_label(day) == "11月23日（周一）"
    assert day_label("2026-11-29", year=True) == "2026年11月29日（周日）"
    assert iso_label(day) == "2026-11-23（周一）"
    assert short_day(day) == "11-23 周一"


def test_an_instant_is_written_in_the_organisations_zone_not_utc():
    late_utc = dt.datetime(2026, 12, 23, 17, 30, tzinfo=dt.timezone.utc)  # already the 24th in Beijing
    assert local_text(late_utc, SHANGHAI) == "12月24日（周四）01:30"
    assert local_text(late_utc.isoformat(), SHANGHAI, with_time=False) == "12月24日（周四）"
    assert stamp("2026-12-23T17:30:00+00:00", SHANGHAI) == "2026-12-24 01:30"
    assert stamp(None, SHANGHAI) == ""

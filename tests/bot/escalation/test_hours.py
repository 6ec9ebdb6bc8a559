from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.escalation import BusinessHours, OpeningSpan

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = OpeningSpan(time(9), time(17))
WEEKDAYS_ONLY = BusinessHours(timezone="Europe/Berlin", days=(OFFICE,) * 5 + (None, None))


def berlin(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (berlin(2024, 6, 3, 8, 59, 59), False),  # Monday, just before opening
        (berlin(2024, 6, 3, 9, 0), True),  # opening is inclusive
        (berlin(2024, 6, 3, 16, 59, 59), True),  # just before closing
        (berlin(2024, 6, 3, 17, 0), False),  # closing is exclusive
        (berlin(2024, 6, 8, 12, 0), False),  # Saturday
        (datetime(2024, 6, 3, 6, 59, tzinfo=timezone.utc), False),  # 08:59 in Berlin
        (datetime(2024, 6, 3, 7, 0, tzinfo=timezone.utc), True),  # 09:00 in Berlin
        (datetime(2024, 6, 3, 15, 30, tzinfo=timezone.utc), False),  # 17:30 in Berlin
    ],
)
def test_open_in_the_shops_time_zone(moment: datetime, is_open: bool) -> None:
    assert WEEKDAYS_ONLY.is_open(moment) is is_open


@pytest.mark.parametrize(
    ("moment", "opens"),
    [
        (berlin(2024, 6, 3, 8, 0), berlin(2024, 6, 3, 9, 0)),  # later the same day
        (berlin(2024, 6, 3, 17, 0), berlin(2024, 6, 4, 9, 0)),  # after closing: tomorrow
        (berlin(2024, 6, 7, 17, 0), berlin(2024, 6, 10, 9, 0)),  # Friday evening: Monday
        (berlin(2024, 6, 8, 12, 0), berlin(2024, 6, 10, 9, 0)),  # Saturday: Monday
        (berlin(2024, 6, 9, 23, 59), berlin(2024, 6, 10, 9, 0)),  # Sunday night
        (berlin(2024, 3, 29, 17, 30), berlin(2024, 4, 1, 9, 0)),  # over the DST switch
    ],
)
def test_next_opening_after_hours(moment: datetime, opens: datetime) -> None:
    result = WEEKDAYS_ONLY.next_opening(moment)
    assert result == opens
    assert result is not None and result.tzinfo == timezone.utc


def test_next_opening_across_the_dst_switch_is_in_utc() -> None:
    assert WEEKDAYS_ONLY.next_opening(berlin(2024, 3, 29, 17, 30)) == datetime(
        2024, 4, 1, 7, 0, tzinfo=timezone.utc
    )


def test_while_open_the_next_opening_is_now() -> None:
    moment = berlin(2024, 6, 3, 10, 15)
    assert WEEKDAYS_ONLY.next_opening(moment) == moment


def test_closed_dates_are_skipped() -> None:
    holidays = BusinessHours(
        timezone="Europe/Berlin",
        days=WEEKDAYS_ONLY.days,
        closed_dates=frozenset({date(2024, 12, 24), date(2024, 12, 25), date(2024, 12, 26)}),
    )
    assert not holidays.is_open(berlin(2024, 12, 24, 10, 0))
    assert holidays.next_opening(berlin(2024, 12, 23, 18, 0)) == berlin(2024, 12, 27, 9, 0)


def test_open_until_midnight() -> None:
    late = BusinessHours(days=(OpeningSpan(time(0), time.max),) * 7)
    moment = datetime(2024, 6, 3, 23, 59, 59, tzinfo=timezone.utc)
    assert late.is_open(moment) and late.is_open(moment + timedelta(seconds=1))


def test_a_shop_that_never_opens_has_no_next_opening() -> None:
    never = BusinessHours(days=(None,) * 7)
    assert never.next_opening(datetime(2024, 6, 3, tzinfo=timezone.utc)) is None


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="aware datetime"):
        WEEKDAYS_ONLY.is_open(datetime(2024, 6, 3, 10, 0))

"""Dates, JST and the two ways of counting days (DOMAIN §4). One place for all of it."""

from __future__ import annotations

import datetime as dt

import jpholiday

from casemgr.texts import Text
from events.values import JST

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def jst_date(instant: dt.datetime) -> dt.date:
    return instant.astimezone(JST).date()


def start_of_day(day: dt.date) -> dt.datetime:
    """00:00 JST of a business date: how a date-only value meets a policy instant."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=JST)


def is_midnight(instant: dt.datetime) -> bool:
    """Whether ``instant`` is 00:00 JST, where a date-only value of its day meets it exactly."""
    return instant.astimezone(JST).time() == dt.time(0)


def days_after(anchor: dt.date, n: int) -> dt.date:
    """Insurance counting (初日不算入): n days from the anchor end at the end of anchor + n."""
    return anchor + dt.timedelta(days=n)


def nth_day(anchor: dt.date, n: int) -> dt.date:
    """PPC counting: the anchor is day 1, so the nth day is anchor + n - 1."""
    return anchor + dt.timedelta(days=n - 1)


def closure_reason(day: dt.date) -> Text | None:
    """Why government offices are shut on ``day`` (行政機関の休日), or None."""
    if (day.month, day.day) >= (12, 29) or (day.month, day.day) <= (1, 3):
        return Text("year-end closure")
    return _holiday_or_weekend(day)


def next_working_day(day: dt.date) -> dt.date:
    while closure_reason(day):
        day += dt.timedelta(days=1)
    return day


def bank_closure_reason(day: dt.date) -> Text | None:
    """Why banks do not debit on ``day`` (金融機関休業日): a Saturday, Sunday, national holiday
    or 31 Dec – 3 Jan; None on a bank business day."""
    if (day.month, day.day) == (12, 31) or (day.month, day.day) <= (1, 3):
        return Text("bank closure 31 Dec - 3 Jan")
    return _holiday_or_weekend(day)


def _holiday_or_weekend(day: dt.date) -> Text | None:
    name = jpholiday.is_holiday_name(day)
    if name:
        return Text("holiday {name}", name=name)
    if day.weekday() >= 5:
        return Text("weekend")
    return None


def next_bank_day(day: dt.date) -> dt.date:
    """``day`` itself when banks are open, else the next bank business day (翌営業日)."""
    while bank_closure_reason(day):
        day += dt.timedelta(days=1)
    return day


def label(day: dt.date) -> Text:
    """The day with its weekday: Sat 2005-07-30 (2005-07-30（土） in Japanese)."""
    return Text("{weekday} {day}", weekday=Text(WEEKDAYS[day.weekday()]), day=day)

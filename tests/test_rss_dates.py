"""An item's `pubDate` is `email.utils.format_datetime` of its time, kept per instant and offset:
the same instant in two zones prints in each zone's own offset, whichever came first."""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime

from hypothesis import given
from hypothesis import strategies as st

from feedsvc.render.rss import rfc822

ZONES = [dt.UTC, dt.timezone(dt.timedelta(hours=8)), dt.timezone(dt.timedelta(hours=-5, minutes=-30))]


@given(st.integers(0, 10**9), st.permutations(ZONES))
def test_each_zone_its_own_offset(seconds: int, zones: list[dt.timezone]) -> None:
    instant = dt.datetime(2014, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)
    for zone in zones + zones:  # the second round from what was kept
        when = instant.astimezone(zone)
        assert rfc822(when) == format_datetime(when)


def test_offsets_differ() -> None:
    instant = dt.datetime(2023, 6, 25, 22, 0, tzinfo=dt.UTC)
    assert rfc822(instant) == "Sun, 25 Jun 2023 22:00:00 +0000"
    assert rfc822(instant.astimezone(dt.timezone(dt.timedelta(hours=8)))) == "Mon, 26 Jun 2023 06:00:00 +0800"


class _NoOffset(dt.tzinfo):
    """A zone that knows no offset (`utcoffset` None): `%z` writes nothing."""

    def utcoffset(self, when: dt.datetime | None) -> dt.timedelta | None:
        return None

    def dst(self, when: dt.datetime | None) -> dt.timedelta | None:
        return None


_OFFSETS = st.timedeltas(
    min_value=-dt.timedelta(hours=23, minutes=59), max_value=dt.timedelta(hours=23, minutes=59)
)


@given(
    st.datetimes(),
    st.one_of(st.none(), st.just(_NoOffset()), _OFFSETS.map(dt.timezone)),
)
def test_any_time_as_format_datetime_writes_it(when: dt.datetime, zone: dt.tzinfo | None) -> None:
    """Years before 1000, offsets with seconds and microseconds, a zone without an offset, naive."""
    when = when.replace(tzinfo=zone)
    assert rfc822(when) == format_datetime(when)

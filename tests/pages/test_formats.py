"""Alert times as senders write them, fuzzed: a time Upkeep can attribute and classify (on call
around it, in anyone's zone), or a PayloadError that becomes a 400; never anything else."""

from __future__ import annotations

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from models.core.when import FIRST_YEAR, LAST_YEAR
from models.pages.formats import PayloadError, parse_epoch, parse_instant
from models.pages.timelines import KeptTimelines

ZONES = ["Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/Berlin", "UTC"]  # +14:00 to -11:00
ANY_TIME = st.datetimes(timezones=st.timezones() | st.just(UTC)).map(lambda d: d.isoformat())
WRITTEN = st.one_of(
    st.text(max_size=40),
    ANY_TIME,
    st.sampled_from(["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "1969-12-31T23:59:59Z"]),
    st.from_regex(
        r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})\Z"
    ),
)


def usable_or_refused(parse, value, where: str) -> None:
    """`parse` gives a time that what ingest does with it (on call around it, the hour class in
    anyone's zone) takes without overflowing, or refuses it naming `where`."""
    try:
        instant = parse(value, where)
    except PayloadError as e:
        assert e.reason.startswith(f"`{where}` ")
        return
    assert instant.tzinfo == UTC and FIRST_YEAR <= instant.year <= LAST_YEAR
    assert instant - KeptTimelines.BEFORE < instant + KeptTimelines.AFTER + timedelta(weeks=1)
    for zone in ZONES:
        instant.astimezone(ZoneInfo(zone)).date()


@given(WRITTEN)
def test_fuzz_a_written_time_is_usable_or_a_payload_error(text):
    usable_or_refused(parse_instant, text, "alerts[0].startsAt")


@given(st.datetimes(timezones=st.timezones() | st.just(UTC)))
def test_fuzz_a_time_in_the_years_reads_back(moment):
    in_utc = moment.astimezone(UTC) if 1 < moment.year < 9999 else None
    if in_utc is None or not FIRST_YEAR <= in_utc.year <= LAST_YEAR:
        return
    assert parse_instant(moment.isoformat(), "t") == in_utc


@given(st.integers() | st.floats(allow_nan=True, allow_infinity=True))
def test_fuzz_an_epoch_number_is_usable_or_a_payload_error(number):
    usable_or_refused(parse_epoch, number, "alert.createdAt")

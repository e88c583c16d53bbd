"""Instants are stored in UTC and shown in Europe/Paris, in French formats."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

MONTHS_SHORT = [
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
]


def now() -> datetime:
    return datetime.now(UTC)


def today_in_paris(at: datetime | None = None) -> date:
    return (at or now()).astimezone(PARIS).date()


def paris_instant(day: date, hour: int = 0, minute: int = 0) -> datetime:
    """The UTC instant of a wall-clock time in Paris."""
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS).astimezone(UTC)


def format_date(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def format_datetime(moment: datetime | None) -> str:
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M") if moment else ""


def format_day_long(day: date) -> str:
    return f"{day.day} {MONTHS_SHORT[day.month - 1]} {day.year}"


def format_week(monday: date, *, with_year: bool = False) -> str:
    """'S12 – 16 mars': the ISO week number and its Monday (and the year when asked)."""
    label = f"S{monday.isocalendar().week} – {monday.day} {MONTHS_SHORT[monday.month - 1]}"
    return f"{label} {monday.year}" if with_year else label


def _clock(moment: datetime) -> str:
    return moment.strftime("%Hh%M")


def format_span(starts_at: datetime, ends_at: datetime) -> str:
    """'13 janv. 2026 de 09h00 à 12h00', or 'Du 26 janv. 2026 09h00 au 30 janv. 2026 17h00'."""
    start, end = starts_at.astimezone(PARIS), ends_at.astimezone(PARIS)
    if start.date() == end.date():
        return f"{format_day_long(start.date())} de {_clock(start)} à {_clock(end)}"
    return (
        f"Du {format_day_long(start.date())} {_clock(start)} "
        f"au {format_day_long(end.date())} {_clock(end)}"
    )


def parse_french_date(text: str) -> date | None:
    """A date typed as dd/mm/yyyy (or yyyy-mm-dd); None when it is not one."""
    text = text.strip()
    for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None

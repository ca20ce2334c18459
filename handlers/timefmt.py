"""How times are shown: in the network's zone, with weekday, date, time and the zone's name."""

from datetime import datetime
from zoneinfo import ZoneInfo


def show_time(moment: datetime, zone: ZoneInfo) -> str:
    """``Fri 14 Mar 2031, 10:00 (Asia/Vientiane)``."""
    local = moment.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} ({zone.key})"


def show_date(moment: datetime, zone: ZoneInfo) -> str:
    """``14 Mar 2031``."""
    local = moment.astimezone(zone)
    return f"{local.day} {local:%b %Y}"

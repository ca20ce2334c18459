"""What start-up leaves for later: modules only some commands need are loaded by them."""

import subprocess
import sys

from tests.conftest import REPO

LOAD_THE_COMMANDS = "import sys, handlers.registry as r; r.load_all(); "


def loaded_after(script: str) -> set[str]:
    """The heavy modules loaded in a fresh process after every command module and ``script``."""
    out = subprocess.run(
        [sys.executable, "-c", LOAD_THE_COMMANDS + script +
         "; print(' '.join(m for m in ('dateparser', 'PIL') if m in sys.modules))"],
        check=True, cwd=REPO, capture_output=True, text=True).stdout
    return set(out.split())


def test_start_up_loads_neither_dateparser_nor_pillow() -> None:
    assert loaded_after("pass") == set()


def test_the_first_date_loads_no_date_library() -> None:
    """Dates are read by rules of our own (handlers/dates.py); dateparser is not used."""
    assert loaded_after(
        "from datetime import datetime, UTC; from zoneinfo import ZoneInfo; "
        "from handlers.dates import understand_when; "
        "understand_when('14 Mar 2031 10:00', zone=ZoneInfo('UTC'), "
        "now=datetime(2031, 3, 1, tzinfo=UTC))") == set()

"""app.yaml validation: the real roster loads; each mistake stops with one line and exit 2."""

import copy
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from bot.config import parse_config
from settings.schema import AppConfig
from tests.conftest import APP_YAML, REPO

ROSTER: dict[str, Any] = yaml.safe_load(APP_YAML.read_text())


def test_the_repository_roster_is_the_terms_of_reference(config: AppConfig) -> None:
    assert config.agency_codes == [
        "RCO", "IOM", "ILO", "OHCHR", "UNHCR", "UNICEF", "UNDP", "UN-HABITAT", "WORLD-BANK",
        "WHO",
    ]
    assert (config.network.chair, config.network.secretariat) == ("RCO", "IOM")
    assert config.network.timezone == "Asia/Vientiane"
    assert sorted(config.objectives) == list(range(1, 24))
    assert config.objectives[10].startswith("Prevent, combat and eradicate trafficking")
    assert {p.agency for p in config.people} == set(config.agency_codes)
    assert all("PLACEHOLDER" in (p.slack or "") for p in config.people)
    assert config.meetings.reminders == [timedelta(days=7), timedelta(days=1), timedelta(hours=1)]
    assert config.polls.min_open == timedelta(hours=24)


def _broken(change: str) -> dict[str, Any]:
    data = copy.deepcopy(ROSTER)
    if change == "unknown key":
        data["meetings"]["per_month"] = 3
    elif change == "unknown agency":
        data["people"][3]["agency"] = "UNFPA"
    elif change == "bad zone":
        data["network"]["timezone"] = "Asia/Atlantis"
    elif change == "duplicate chat id":
        data["people"][4]["slack"] = data["people"][2]["slack"]
    elif change == "bad duration":
        data["polls"]["duration"] = "a week"
    elif change == "unknown chair":
        data["network"]["chair"] = "UNRC"
    elif change == "wg agency":
        data["working_groups"][0]["chairs"] = ["ILO", "FAO"]
    elif change == "connect timeout":
        data["database"] = {"connect_timeout": "1s"}
    elif change == "meeting too long":
        data["meetings"]["duration"] = "13h"
    return data


@pytest.mark.parametrize(("change", "expected"), [
    ("unknown key", "app.yaml: meetings.per_month: unknown key"),
    ("unknown agency", "app.yaml: people[3].agency: unknown agency 'UNFPA'"),
    ("bad zone", "app.yaml: network.timezone: unknown time zone 'Asia/Atlantis'"),
    ("duplicate chat id", "app.yaml: people[4].slack: duplicate slack 'U-PLACEHOLDER-ILO'"),
    ("bad duration", "app.yaml: polls.duration: 'a week' is not a duration"),
    ("unknown chair", "app.yaml: network.chair: unknown agency 'UNRC'"),
    ("wg agency", "app.yaml: working_groups[0].chairs[1]: unknown agency 'FAO'"),
    ("connect timeout", "app.yaml: database.connect_timeout: PostgreSQL's client (libpq) waits "
                        "at least 2s to connect; write 2s or more"),
    ("meeting too long", "app.yaml: meetings.duration: a meeting lasts at most 12h; write e.g. "
                         "2h or 1h30m"),
])
def test_each_mistake_is_named_by_its_key_path(
    change: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "app.yaml"
    broken.write_text(yaml.safe_dump(_broken(change)))
    assert main(["--config", str(broken), "check"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(expected.replace("app.yaml", str(broken), 1))
    assert "\n" not in err and "Traceback" not in err


def test_a_bad_config_stops_the_real_program_with_exit_2_and_no_traceback(tmp_path: Path) -> None:
    broken = tmp_path / "app.yaml"
    broken.write_text(yaml.safe_dump(_broken("bad zone")))
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "shell"], input="whoami\n", capture_output=True,
        text=True, cwd=REPO, env={"NETWORK_BOT_CONFIG": str(broken), "PATH": ""}, timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "network.timezone: unknown time zone" in result.stderr
    assert "Traceback" not in result.stderr


def test_not_yaml_and_missing_file_are_one_line_too(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "app.yaml"
    bad.write_text("network: [unclosed\n")
    assert main(["--config", str(bad), "check"]) == 2
    assert "not valid YAML at line" in capsys.readouterr().err
    assert main(["--config", str(tmp_path / "missing.yaml"), "check"]) == 2
    assert "cannot read the configuration" in capsys.readouterr().err


def test_durations_are_parsed_and_written_back() -> None:
    data = copy.deepcopy(ROSTER)
    data["meetings"]["reminders"] = ["2w", "1d12h", "30m"]
    config = parse_config(data)
    assert config.meetings.reminders == [
        timedelta(weeks=2), timedelta(days=1, hours=12), timedelta(minutes=30)]
    dumped = config.model_dump(mode="json")
    assert dumped["meetings"]["reminders"] == ["14d", "1d12h", "30m"]


def test_a_meeting_lasts_two_hours_unless_app_yaml_says_otherwise() -> None:
    data = copy.deepcopy(ROSTER)
    del data["meetings"]["duration"]
    assert parse_config(data).meetings.duration == timedelta(hours=2)
    data["meetings"]["duration"] = "1h30m"
    assert parse_config(data).meetings.duration == timedelta(minutes=90)

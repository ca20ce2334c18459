"""app.yaml: read, then validated against the network's schema (``settings.schema``) before
anything else starts.

Any problem stops the program with one line naming the key path, e.g.
``app.yaml: people[3].agency: unknown agency 'UNFPA' (known: RCO, IOM, ...)``.
"""

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from settings.schema import AppConfig

CONFIG_ENV = "NETWORK_BOT_CONFIG"
DEFAULT_CONFIG_PATH = "app.yaml"


class ConfigError(Exception):
    """A problem in app.yaml, already phrased for the person who edits it."""


def _describe(error: ErrorDetails, source: str) -> str:
    location = ""
    for part in error["loc"]:
        location += f"[{part}]" if isinstance(part, int) else f".{part}" if location else str(part)
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key (check the spelling against the README)"
    if ": " in message and not location:
        return f"{source}: {message}"
    return f"{source}: {location}: {message}" if location else f"{source}: {message}"


def parse_config(data: Any, source: str = DEFAULT_CONFIG_PATH) -> AppConfig:
    """Validate already-loaded YAML data, raising ConfigError with one readable line."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of sections (network, agencies, ...)")
    try:
        return AppConfig.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ConfigError(_describe(errors[0], source) + more) from None


def config_path() -> Path:
    return Path(os.environ.get(CONFIG_ENV, DEFAULT_CONFIG_PATH))


def load_config(path: Path | None = None) -> AppConfig:
    """Read and validate app.yaml (from NETWORK_BOT_CONFIG by default)."""
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{where}") from None
    return parse_config(data, str(path))

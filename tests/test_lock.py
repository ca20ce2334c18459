"""The lock (requirements/) agrees with pyproject.toml: every dependency, runtime and the test
extra, is pinned at a version its range allows, the runtime lock holds the same versions as the
full one, and the lock holds no direct dependency pyproject.toml no longer names. Run
`make lock` after changing pyproject.toml's dependencies."""

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import REPO

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")
ROOT = "network-bot (pyproject.toml)"


def read_lock(name: str) -> tuple[dict[str, str], set[str]]:
    """The lock's pins by name, and the names it holds for pyproject.toml itself."""
    pins: dict[str, str] = {}
    direct: set[str] = set()
    current = ""
    for line in (REPO / "requirements" / name).read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line):
            current = canonicalize_name(match[1])
            pins[current] = match[2]
        elif ROOT in line:
            direct.add(current)
    return pins, direct


def requirements(*groups: str) -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    for group in groups:
        wanted += project["optional-dependencies"][group]
    return [Requirement(line) for line in wanted]


def unmet(wanted: list[Requirement], pins: dict[str, str]) -> list[str]:
    return [str(r) for r in wanted
            if not r.specifier.contains(pins.get(canonicalize_name(r.name), "0.dev0"),
                                        prereleases=True)
            or canonicalize_name(r.name) not in pins]


def unlocked(wanted: list[Requirement], direct: set[str]) -> set[str]:
    """Requirements the lock was not resolved for (held, if at all, only as a dependency of
    another)."""
    return {canonicalize_name(r.name) for r in wanted} - direct


def unnamed(wanted: list[Requirement], direct: set[str]) -> set[str]:
    """Direct dependencies of the lock that no requirement names (an extra such as
    psycopg[binary] brings psycopg-binary)."""
    named = {canonicalize_name(f"{r.name}-{extra}") for r in wanted for extra in r.extras}
    return direct - named - {canonicalize_name(r.name) for r in wanted}


def test_the_lock_pins_every_dependency_within_its_range() -> None:
    pins, direct = read_lock("lock.txt")
    wanted = requirements("test")
    assert not unmet(wanted, pins), "run `make lock`"
    assert not unlocked(wanted, direct), "run `make lock`"
    assert not unnamed(wanted, direct), "run `make lock`"


def test_the_runtime_lock_pins_the_runtime_dependencies_at_the_same_versions() -> None:
    pins, direct = read_lock("lock-run.txt")
    wanted = requirements()
    assert not unmet(wanted, pins), "run `make lock`"
    assert not unlocked(wanted, direct), "run `make lock`"
    assert not unnamed(wanted, direct), "run `make lock`"
    full, _ = read_lock("lock.txt")
    assert {name: full.get(name) for name in pins} == pins

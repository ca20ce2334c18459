"""Microsoft's Node.js tools for the Teams tests, installed into a cache the tests own.

``tests/node/`` pins them (``package.json`` with exact versions and ``package-lock.json`` for
everything beneath): @microsoft/app-manifest, the Teams manifest schemas and their validator;
adaptivecards, Microsoft's card renderer, with jsdom and markdown-it to run it outside a
browser. The ``node_tools`` fixture installs them with ``npm ci`` into pytest's cache, one
folder per version of those two files, and runs the scripts of ``tests/node/`` with them.

They need Node.js 20.19 or newer (@microsoft/app-manifest loads an ES module with require) and
npm. Without them those tests skip, saying so, except under CI=true, where that is an error
(``.ci/run`` installs Node.js 20 when it is missing or older).
"""

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent / "node"
PINS = ("package.json", "package-lock.json")
INSTALLED = ".installed"  # written once ``npm ci`` has finished


class NodeTools:
    def __init__(self, root: Path) -> None:
        self.root = root

    def run(self, script: str, *args: str, stdin: str | None = None) -> Any:
        """Run ``tests/node/<script>`` with the installed packages; its JSON output."""
        done = subprocess.run(
            ["node", str(HERE / script), *args], input=stdin, capture_output=True, text=True,
            env={**os.environ, "NODE_PATH": str(self.root / "node_modules")}, timeout=300)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


NODE = (20, 19)  # the oldest Node.js they run on


def _node_problem() -> str | None:
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        return f"{' and '.join(missing)} not found"
    version = subprocess.run(["node", "-p", "process.versions.node"], capture_output=True,
                             text=True, timeout=60).stdout.strip()
    if tuple(int(part) for part in version.split(".")[:2]) < NODE:
        return f"Node.js {version} is older than {'.'.join(map(str, NODE))}"
    return None


@pytest.fixture(scope="session")
def node_tools(request: pytest.FixtureRequest) -> NodeTools:
    if problem := _node_problem():
        reason = (f"{problem}: the Teams checks with Microsoft's Node.js tools need Node.js "
                  f"{'.'.join(map(str, NODE))} or newer and npm (bash .ci/run installs them)")
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    digest = hashlib.sha256(b"".join((HERE / name).read_bytes() for name in PINS))
    root = request.config.cache.mkdir(f"teams-node-{digest.hexdigest()[:16]}")
    if not (root / INSTALLED).exists():
        for name in PINS:
            shutil.copy(HERE / name, root / name)
        done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                              cwd=root, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"npm ci failed in {root}:\n{done.stderr}"
        (root / INSTALLED).touch()
    return NodeTools(root)

"""``network-bot outbox | head``: a reader that stops early gets no traceback on stderr."""

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import APP_YAML, REPO

RUN_MAIN = "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))"


def test_a_closed_pipe_ends_the_command_quietly(tmp_path: Path) -> None:
    """The reader is a pipe whose far end is closed before anything is written, as after
    ``head`` has read its lines; the exit status is 141 (128 + SIGPIPE), as for Unix tools."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-c", RUN_MAIN, "--config", str(APP_YAML),
             "--database-url", f"sqlite:///{tmp_path / 'network.db'}", "outbox"],
            stdout=write_end, stderr=subprocess.PIPE, cwd=REPO, text=True, check=False)
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (141, "")

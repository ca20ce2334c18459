"""Teams setup: the app package, the startup lines, and the emulator's loopback rule.

The package's manifest is checked against the Teams manifest schema of its version as the npm
package @microsoft/app-manifest ships it, with that package's validator (tests/node_tools.py).
"""

import io
import json
import os
import signal
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.server import describe, serve
from bot.teams_settings import TeamsSettings
from tests.conftest import APP_YAML, free_port
from tests.node_tools import NodeTools
from tests.serve_process import NETWORK_BOT

APP_ID = "11111111-2222-3333-4444-555555555555"


def _png_size_and_pixels(data: bytes) -> tuple[int, int, bytes]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert (depth, colour) == (8, 6)  # 8-bit RGBA
    start = data.index(b"IDAT") + 4
    length = struct.unpack(">I", data[start - 8:start - 4])[0]
    return width, height, zlib.decompress(data[start:start + length])


def test_manifest_teams_writes_an_app_package(tmp_path: Path) -> None:
    out = tmp_path / "network-bot-teams.zip"
    assert main(["manifest", "teams", "--app-id", APP_ID, "--out", str(out)]) == 0
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        color = _png_size_and_pixels(package.read("color.png"))
        outline = _png_size_and_pixels(package.read("outline.png"))
    assert manifest["manifestVersion"] == "1.17" and "v1.17" in manifest["$schema"]
    assert manifest["id"] == APP_ID
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID and bot["scopes"] == ["personal", "team", "groupChat"]
    menus = {tuple(menu["scopes"]): [c["title"] for c in menu["commands"]]
             for menu in bot["commandLists"]}
    assert menus[("personal",)][:2] == ["home", "digest"]  # the person's desk, in their chat
    assert menus[("team", "groupChat")][:3] == ["help", "whoami", "meeting list"]
    for titles in menus.values():
        assert "vote" in titles and len(titles) <= 10 and all(len(t) <= 32 for t in titles)
    assert color[:2] == (192, 192) and outline[:2] == (32, 32)
    # The outline icon is white on transparent, as Teams requires.
    pixels = outline[2]
    row = 1 + 32 * 4  # a filter byte, then 32 RGBA pixels
    alphas = {pixels[y * row + 1 + x * 4 + 3] for y in range(32) for x in range(32)}
    assert alphas == {0, 255}


def _manifest_of_the_package(tmp_path: Path) -> dict[str, Any]:
    out = tmp_path / "network-bot-teams.zip"
    assert main(["manifest", "teams", "--app-id", APP_ID, "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as package:
        return json.loads(package.read("manifest.json"))


def _schema_failures(node_tools: NodeTools, manifest: dict[str, Any], path: Path) -> list[str]:
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return node_tools.run("validate_manifest.js", str(path))["failures"]


def test_the_app_package_is_valid_against_the_teams_manifest_schema(
    tmp_path: Path, node_tools: NodeTools,
) -> None:
    """Reference: @microsoft/app-manifest's schema for the manifest's version, its validator
    (AppManifestUtils.validateAgainstSchema) and its typed converter."""
    manifest = _manifest_of_the_package(tmp_path)
    assert _schema_failures(node_tools, manifest, tmp_path / "manifest.json") == []


def test_the_manifest_check_refuses_what_teams_refuses(
    tmp_path: Path, node_tools: NodeTools,
) -> None:
    """The check above has teeth: each change is one the Teams manifest schema refuses."""
    manifest = _manifest_of_the_package(tmp_path)
    bot = manifest["bots"][0]
    bad = {
        "short name over 30": {**manifest, "name": {**manifest["name"], "short": "N" * 31}},
        "unknown key": {**manifest, "bogus": True},
        "colour name": {**manifest, "accentColor": "blue"},
        "meeting scope": {**manifest, "bots": [{**bot, "scopes": [*bot["scopes"], "meeting"]}]},
        "no version": {key: value for key, value in manifest.items() if key != "version"},
        "unknown manifestVersion": {**manifest, "manifestVersion": "0.9"},
    }
    for what, broken in bad.items():
        assert _schema_failures(node_tools, broken, tmp_path / "bad.json"), what


def test_manifest_teams_needs_a_guid_app_id(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["manifest", "teams", "--app-id", "not-a-guid", "--out", "x.zip"])
    assert exited.value.code == 2
    assert "manifest teams needs --app-id" in capsys.readouterr().err


def test_startup_says_whether_teams_is_on_and_what_is_missing() -> None:
    env = {"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "very-secret"}
    teams = TeamsSettings.from_env(env)
    assert teams is not None and teams.app_type == "SingleTenant"
    [_, line, files] = describe(None, env, teams)
    assert line == ("Teams: on (SingleTenant), activities at POST /api/messages; missing "
                    "MICROSOFT_APP_TENANT_ID, so replies will fail")
    assert files.startswith("Teams: calendar files are only named in cards; set "
                            "NETWORK_BOT_PUBLIC_URL")
    assert "very-secret" not in line + repr(teams)
    assert describe(None, {}, TeamsSettings.for_emulator())[1].startswith(
        "WARNING: Teams EMULATOR mode")
    assert TeamsSettings.from_env({}) is None


def test_the_emulator_refuses_to_listen_beyond_loopback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert serve(None, "0.0.0.0", 3978, {}, teams_emulator=True) == 2  # type: ignore[arg-type]
    assert "only listens on loopback" in capsys.readouterr().out


def test_the_tenants_served_come_from_the_app_type() -> None:
    single = TeamsSettings.from_env({"MICROSOFT_APP_ID": "id", "MICROSOFT_APP_PASSWORD": "p",
                                     "MICROSOFT_APP_TENANT_ID": " t-1 ",
                                     "MICROSOFT_ALLOWED_TENANT_IDS": "t-2"})
    assert single is not None and single.served_tenants() == {"t-1"} and single.missing() == []
    multi = TeamsSettings.from_env({"MICROSOFT_APP_ID": "id", "MICROSOFT_APP_PASSWORD": "p",
                                    "MICROSOFT_APP_TYPE": "MultiTenant",
                                    "MICROSOFT_ALLOWED_TENANT_IDS": "t-2, t-3,"})
    assert multi is not None and multi.served_tenants() == {"t-2", "t-3"}
    open_to_all = TeamsSettings.from_env({"MICROSOFT_APP_ID": "id", "MICROSOFT_APP_PASSWORD": "p",
                                          "MICROSOFT_APP_TYPE": "MultiTenant"})
    assert open_to_all is not None and open_to_all.missing() == ["MICROSOFT_ALLOWED_TENANT_IDS"]
    assert TeamsSettings.for_emulator().served_tenants() == frozenset()


def test_serve_says_when_the_bot_is_not_in_the_network_channel_yet(tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [str(NETWORK_BOT), "--config", str(APP_YAML), "--database-url",
         f"sqlite:///{tmp_path / 'network.db'}", "serve", "--teams-emulator", "--port",
         str(port)], cwd=tmp_path, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_"))},
             "PYTHONUNBUFFERED": "1"})
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline().strip() for _ in range(4)]
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=30)
    assert "Teams: the bot has not been added to the network's Teams channel " \
        "(19:PLACEHOLDER-network@thread.tacv2) yet; add the app to that team (Apps, then Manage " \
        "your apps) and what waits for it is posted then" in lines

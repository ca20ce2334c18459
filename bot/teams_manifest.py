"""A Microsoft Teams app package (zip): manifest.json built from app.yaml, and two icons.

Upload it in Teams (Apps > Manage your apps > Upload an app) or the Teams admin center. The
icons are drawn here (a ring on the accent colour, 192x192; a white ring on transparent,
32x32) and written by a small PNG encoder, so no image library is needed.
"""

import io
import json
import struct
import uuid
import zipfile
import zlib
from typing import Any

from handlers import registry
from handlers.agenda.agenda_form import ACTION, ACTION_DESCRIPTION
from settings.schema import AppConfig

SCHEMA_VERSION = "1.17"
SCHEMA = (f"https://developer.microsoft.com/en-us/json-schemas/teams/v{SCHEMA_VERSION}/"
          "MicrosoftTeams.schema.json")
SCOPES = ["personal", "team", "groupChat"]
ACCENT = (0, 94, 184)  # UN blue
# The command menus, at most 10 commands each (Teams' limit): in a channel or group chat the
# Network's work; in the personal chat, the person's desk (home, digest) first.
MAIN_VERBS = ["help", "whoami", "meeting list", "meeting schedule", "agenda add", "agenda list",
              "poll propose", "vote", "minutes", "actions"]
PERSONAL_VERBS = ["home", "digest", "help", "whoami", "meeting list", "agenda add",
                  "agenda list", "vote", "actions", "meeting available"]
# The message extension's one action command, "Add to agenda" on a message
# (bot/teams_extension.py answers its invokes).
COMMAND_ID = "addToAgenda"
COLOR_SIZE = 192
OUTLINE_SIZE = 32


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def valid_app_id(app_id: str) -> bool:
    try:
        uuid.UUID(app_id)
    except ValueError:
        return False
    return True


def _menu(verbs: list[str]) -> list[dict[str, str]]:
    return [{"title": _clip(verb, 32),
             "description": _clip(registry.REGISTRY[verb].summary, 128)} for verb in verbs]


def teams_manifest(config: AppConfig, app_id: str) -> dict[str, Any]:
    registry.load_all()
    name = config.network.name
    return {
        "$schema": SCHEMA,
        "manifestVersion": SCHEMA_VERSION,
        "version": "1.0.0",
        "id": app_id,
        "developer": {
            "name": _clip(name, 32),
            "websiteUrl": "https://lao.un.org",
            "privacyUrl": "https://lao.un.org",
            "termsOfUseUrl": "https://lao.un.org",
        },
        "name": {"short": _clip("Network", 30), "full": _clip(name, 100)},
        "description": {
            "short": _clip(f"The chat assistant of {name}", 80),
            "full": _clip(f"Meetings, agendas, consensus polls, minutes and action points of "
                          f"{name}. Type help to see every command.", 4000),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [{
            "botId": app_id,
            "scopes": list(SCOPES),
            "supportsFiles": False,
            "isNotificationOnly": False,
            "commandLists": [{"scopes": ["personal"], "commands": _menu(PERSONAL_VERBS)},
                             {"scopes": ["team", "groupChat"], "commands": _menu(MAIN_VERBS)}],
        }],
        "composeExtensions": [{
            "botId": app_id,
            "commands": [{"id": COMMAND_ID, "type": "action", "context": ["message"],
                          "fetchTask": True, "title": _clip(ACTION, 32),
                          "description": _clip(ACTION_DESCRIPTION, 128)}],
        }],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
    }


def png(width: int, height: int, pixel: Any) -> bytes:
    """An RGBA PNG; ``pixel(x, y)`` gives each pixel's (r, g, b, a)."""
    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width))
                    for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def _in_ring(x: int, y: int, size: int) -> bool:
    centre = (size - 1) / 2
    distance: float = ((x - centre) ** 2 + (y - centre) ** 2) ** 0.5
    return size * 0.22 <= distance <= size * 0.36


def color_icon() -> bytes:
    white, accent = (255, 255, 255, 255), (*ACCENT, 255)
    return png(COLOR_SIZE, COLOR_SIZE,
               lambda x, y: white if _in_ring(x, y, COLOR_SIZE) else accent)


def outline_icon() -> bytes:
    white, clear = (255, 255, 255, 255), (0, 0, 0, 0)
    return png(OUTLINE_SIZE, OUTLINE_SIZE,
               lambda x, y: white if _in_ring(x, y, OUTLINE_SIZE) else clear)


def teams_package(config: AppConfig, app_id: str) -> bytes:
    """The zip Teams accepts: manifest.json, color.png and outline.png at its root."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(teams_manifest(config, app_id), indent=2,
                                                     ensure_ascii=False))
        package.writestr("color.png", color_icon())
        package.writestr("outline.png", outline_icon())
    return buffer.getvalue()

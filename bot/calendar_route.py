"""``GET /calendar/<uid>.ics``: a meeting's calendar file as it is now, for download links.

Teams takes no file from a bot in a channel, so its cards link here (``Attachment.link``).
The file is made at each request, so an old link gives the meeting's current time or its
cancellation, with the SEQUENCE of the latest change. The meeting's UID, a random UUID, is
the only key: whoever was shown the link may fetch the file.
"""

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web
from sqlmodel import select

from bot.app import App
from handlers.core import Attachment, Scope
from handlers.meetings.calendar_file import meeting_ics
from storage.db import reading
from storage.models import Meeting

CALENDAR_PATH = "/calendar/{uid}.ics"


def current_file(app: App, uid: str) -> Attachment | None:
    """The calendar file of the meeting with this UID, made now (None: no such meeting)."""
    with reading(app.engine) as session:
        meeting = session.exec(select(Meeting).where(Meeting.uid == uid)).first()
        if meeting is None:
            return None
        return meeting_ics(Scope(session, app.config, app.runner.clock()), meeting)


def calendar_route(app: App) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def calendar(request: web.Request) -> web.Response:
        found = await asyncio.to_thread(current_file, app, request.match_info["uid"])
        if found is None:
            return web.Response(status=404, text="No such meeting.\n")
        return web.Response(body=found.content, content_type=found.mime, charset="utf-8",
                            headers={"Content-Disposition":
                                     f'attachment; filename="{found.filename}"'})

    return calendar

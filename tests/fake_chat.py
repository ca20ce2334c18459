"""A tiny chat Web API on loopback (aiohttp, in a thread) that records every post it gets."""

import asyncio
import threading
from collections import Counter

from aiohttp import web


class FakeChat:
    """``POST /post`` with ``{"id": outbox id, "owner": replica}``; answers a message ts.

    ``stall(owner)`` makes it hold that replica's posts unanswered (until the fake closes,
    when they fail with 503), so the replica is caught mid-send with its rows leased.
    """

    def __init__(self, delay: float = 0.003) -> None:
        self.delay = delay
        self.posts: list[tuple[int, str]] = []
        self.stalled: set[str] = set()
        self.held = 0
        self._release = asyncio.Event()
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self.url = ""

    def __enter__(self) -> "FakeChat":
        ready = threading.Event()
        threading.Thread(target=self._serve, args=(ready,), daemon=True).start()
        ready.wait(10)
        return self

    def __exit__(self, *_: object) -> None:
        self._loop.call_soon_threadsafe(self._release.set)
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)

    def _serve(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post("/post", self._post)
        self._runner = web.AppRunner(app)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}/post"
        ready.set()
        self._loop.run_forever()

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body["owner"] in self.stalled:
            with self._lock:
                self.held += 1
            await self._release.wait()
            return web.json_response({"ok": False}, status=503)
        await asyncio.sleep(self.delay)
        with self._lock:
            self.posts.append((int(body["id"]), str(body["owner"])))
            ts = f"{len(self.posts)}.000"
        return web.json_response({"ok": True, "ts": ts})

    def stall(self, owner: str) -> None:
        self.stalled.add(owner)

    def counts(self) -> Counter[int]:
        with self._lock:
            return Counter(i for i, _ in self.posts)

    def by(self, owner: str) -> set[int]:
        """The outbox ids this replica posted."""
        with self._lock:
            return {i for i, who in self.posts if who == owner}

"""A loopback TCP proxy in front of PostgreSQL that can stop answering without closing.

A database that refuses connections is quickly told apart from one that answers; the hard case
is a server or network that takes the bytes and never answers. The proxy forwards until told
to stall in one of two ways:

- ``STALL_CONNECT``: accepts connections and never answers them, like a hung server: nothing
  is forwarded on any connection, new or open.
- ``STALL_QUERIES``: lets a new connection's startup through (up to the server's first
  ReadyForQuery), then forwards nothing more either way, and the connections already open stop
  at once: connecting works, every query goes unanswered.

Bytes held during a stall are delivered, in order, once it forwards again (a network that comes
back): a connection the bot gave up on then reaches the server with whatever it had sent,
COMMIT included, and its close. The bot connects through ``proxy.url``, which turns SSL and
GSS encryption off so that the server's first bytes are protocol messages.
"""

import asyncio
import contextlib
from dataclasses import dataclass, field
from enum import Enum

READY_FOR_QUERY = ord("Z")


class Mode(Enum):
    FORWARD = "forward"
    STALL_CONNECT = "stall connect"
    STALL_QUERIES = "stall queries"


@dataclass(eq=False)
class _Link:
    """One client connection, its connection to the server, and how far its startup got."""

    client: asyncio.StreamWriter
    server: asyncio.StreamWriter
    started: bool = False  # the server's first ReadyForQuery has been forwarded
    _unparsed: bytearray = field(default_factory=bytearray)

    def read_server(self, data: bytes) -> None:
        """Follow the server's messages (a type byte, a length) to its first ReadyForQuery."""
        self._unparsed += data
        while not self.started and len(self._unparsed) >= 5:
            size = 1 + int.from_bytes(self._unparsed[1:5], "big")
            if len(self._unparsed) < size:
                return
            self.started = self._unparsed[0] == READY_FOR_QUERY
            del self._unparsed[:size]

    def close(self) -> None:
        self.client.close()
        self.server.close()


class StallingProxy:
    """``async with StallingProxy(port) as proxy``: listens on a free loopback port
    (``proxy.port``) and forwards to the server at 127.0.0.1:``port`` until ``stall`` is set."""

    def __init__(self, server_port: int) -> None:
        self.server_port = server_port
        self.mode = Mode.FORWARD
        self.port = 0
        self.connections = 0  # accepted so far
        self._links: set[_Link] = set()
        self._changed: asyncio.Condition | None = None
        self._listener: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return (f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
                "?sslmode=disable&gssencmode=disable")

    async def __aenter__(self) -> "StallingProxy":
        self._changed = asyncio.Condition()
        self._listener = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._listener.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._listener is not None
        self._listener.close()
        for link in list(self._links):
            link.close()
        await self._listener.wait_closed()

    async def set_mode(self, mode: Mode) -> None:
        assert self._changed is not None
        async with self._changed:
            self.mode = mode
            self._changed.notify_all()

    def _may_forward(self, link: _Link) -> bool:
        return self.mode is Mode.FORWARD or (self.mode is Mode.STALL_QUERIES and not link.started)

    async def _accept(self, client_in: asyncio.StreamReader,
                      client_out: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            server_in, server_out = await asyncio.open_connection("127.0.0.1", self.server_port)
        except OSError:
            client_out.close()
            return
        link = _Link(client_out, server_out)
        self._links.add(link)
        try:
            await asyncio.gather(self._pump(link, client_in, server_out, from_server=False),
                                 self._pump(link, server_in, client_out, from_server=True))
        finally:
            self._links.discard(link)
            link.close()

    async def _pump(self, link: _Link, source: asyncio.StreamReader,
                    sink: asyncio.StreamWriter, from_server: bool) -> None:
        assert self._changed is not None
        with contextlib.suppress(OSError):
            while data := await source.read(65536):
                async with self._changed:
                    await self._changed.wait_for(lambda: self._may_forward(link))
                sink.write(data)
                await sink.drain()
                if from_server:
                    link.read_server(data)
            if sink.can_write_eof():
                sink.write_eof()  # pass the end on, once what came before it went through

"""The baseline of the slash-command benchmark: a bolt app that only acknowledges `/network`.

    .venv/bin/python bench/bare_slack_app.py --port 3001

Built like the bot's Slack side (bolt ``AsyncApp`` with ``process_before_response=True``, the
same signing secret, served by aiohttp through slack_bolt's aiohttp adapter, a Web API client
pointed at SLACK_API_URL), so it pays the same process, HTTP and signature costs and nothing
else. ``GET /healthz`` answers 200 once it listens.
"""

import argparse
import os
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def bare_app() -> web.Application:
    client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"],
                            base_url=os.environ["SLACK_API_URL"])
    bolt = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"],
                    process_before_response=True, name="bare")

    @bolt.command("/network")
    async def only_ack(ack: Any) -> None:
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/slack/events", events)
    app.router.add_get("/healthz", health)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    web.run_app(bare_app(), host="127.0.0.1", port=parser.parse_args().port, print=None)


if __name__ == "__main__":
    main()

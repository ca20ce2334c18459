"""The HTTP edge of ``POST /api/messages``: what is refused before botbuilder runs a turn.

A body that is not a Bot Framework activity answers 400. Authentication runs apart from the turn,
because botbuilder refuses a token in many ways: PermissionError (no Authorization header, a
scheme other than Bearer, a wrong issuer, audience or ``serviceurl``), PyJWT's errors (not a JWT,
a bad signature, expired), IndexError (a key id it does not know) and a bare Exception (an
algorithm it does not allow, such as ``none`` or HS256). Each of them is the sender's doing and
answers 401. Every refusal is logged as one line naming the reason, never the token; the sender
of a refused token is told only that it is not valid. When the Bot Framework's signing keys
cannot be fetched the sender is not at fault: 503, so the Bot Framework tries again later.
"""

import json
import logging
import re

import requests
from aiohttp import web
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult, BotFrameworkAuthentication

log = logging.getLogger(__name__)

JSON = "application/json"
REASON_LIMIT = 200  # characters of an exception's message worth a log line
# What the sender is told; why a token was refused is for the operator's log alone.
NO_VALID_TOKEN = "The request does not carry a valid Bot Framework token."
KEYS_UNAVAILABLE = "The Bot Framework's signing keys cannot be fetched now; try again later."


async def read_activity(request: web.Request) -> Activity:
    """The activity in the request's body; HTTP 400 when the body is not one."""
    if request.content_type != JSON:
        raise refusal(request, web.HTTPBadRequest, f"the body must be {JSON}")
    try:
        body = json.loads(await request.read())
    except ValueError:
        raise refusal(request, web.HTTPBadRequest, "the body is not JSON") from None
    if not isinstance(body, dict) or not isinstance(body.get("type"), str) or not body["type"]:
        raise refusal(request, web.HTTPBadRequest,
                      "the body is not an activity (a JSON object with a type)")
    try:
        return Activity().deserialize(body)
    except ValueError:  # msrest's DeserializationError: a field of the wrong shape
        raise refusal(request, web.HTTPBadRequest,
                      "the body is not an activity (a field has the wrong shape)") from None


async def authenticate(auth: BotFrameworkAuthentication, request: web.Request,
                       activity: Activity) -> AuthenticateRequestResult:
    """botbuilder's verdict on the request's token; HTTP 401 when it refuses it."""
    header = request.headers.get("Authorization", "")
    try:
        return await auth.authenticate_request(activity, header)
    except requests.RequestException as problem:  # fetching the signing keys failed
        raise refusal(request, web.HTTPServiceUnavailable,
                      f"cannot fetch the Bot Framework's signing keys: {reason(problem, header)}",
                      told=KEYS_UNAVAILABLE, level=logging.ERROR) from None
    except Exception as problem:  # every way botbuilder refuses a token (see above)
        raise refusal(request, web.HTTPUnauthorized, reason(problem, header), told=NO_VALID_TOKEN,
                      headers={"WWW-Authenticate": "Bearer"}) from None


def refusal(request: web.Request, answer: type[web.HTTPError], why: str, told: str = "",
            level: int = logging.WARNING, headers: dict[str, str] | None = None) -> web.HTTPError:
    """The HTTP answer refusing ``request`` (its body ``told``, else ``why``), logged as one line
    with ``why``."""
    log.log(level, "Teams: refused a request from %s with HTTP %d: %s", request.remote,
            answer.status_code, why)
    return answer(text=f"{told or why}\n", headers=headers)


def reason(problem: Exception, token: str) -> str:
    """An exception as one short line, with any piece of the token taken out."""
    text = " ".join(str(arg) for arg in problem.args).strip()
    for piece in re.split(r"[\s.]+", token):
        if len(piece) >= 8:  # "Bearer" stays; a token's parts are longer
            text = text.replace(piece, "<token>")
    line = f"{type(problem).__name__}: {text}" if text else type(problem).__name__
    return " ".join(line.split())[:REASON_LIMIT]

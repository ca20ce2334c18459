"""A local stand-in for the Bot Framework's OpenID metadata and signing keys, and tokens signed
as the Bot Framework channel signs the activities it posts to a bot.

What botbuilder checks (botframework-connector's ``auth/jwt_token_extractor.py`` and
``auth/channel_validation.py``): the metadata document's ``jwks_uri`` gives the keys; the token's
header names its key (``kid``), whose ``endorsements`` must include the activity's channelId; the
algorithm must be RS256, RS384 or RS512 and the signature valid; ``iss`` must be
https://api.botframework.com, ``aud`` the bot's app id, ``serviceurl`` the activity's serviceUrl,
and ``exp`` at most five minutes past.

botbuilder fetches the keys with the blocking ``requests`` library from inside the bot's event
loop, so the stand-in serves on its own loop in a thread (``tests.fake_slack.InThread``). It keeps
them a day per metadata URL, process-wide, so each stand-in serves under a path of its own: a
later one on a reused port must not meet the keys of an earlier one.
"""

import json
import secrets
import time
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"  # AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
KEY_ID = "stand-in-signing-key"
METADATA_PATH = "/v1/.well-known/openidconfiguration"
KEYS_PATH = "/v1/.well-known/keys"


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class BotFrameworkKeys:
    """Serves ``metadata_url`` (the OpenID configuration) and its JWKS with one RSA key."""

    def __init__(self) -> None:
        self.key = rsa_key()
        self.metadata_url = ""
        self._prefix = f"/{secrets.token_hex(8)}"
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> "BotFrameworkKeys":
        app = web.Application()
        app.router.add_get(f"{self._prefix}{METADATA_PATH}", self._metadata)
        app.router.add_get(f"{self._prefix}{KEYS_PATH}", self._keys)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.metadata_url = f"{self._base}{METADATA_PATH}"
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def _base(self) -> str:
        assert self._runner is not None
        return f"http://127.0.0.1:{self._runner.addresses[0][1]}{self._prefix}"

    async def _metadata(self, _: web.Request) -> web.Response:
        return web.json_response({"issuer": ISSUER, "jwks_uri": f"{self._base}{KEYS_PATH}",
                                  "id_token_signing_alg_values_supported": ["RS256"],
                                  "token_endpoint_auth_methods_supported": ["private_key_jwt"]})

    async def _keys(self, _: web.Request) -> web.Response:
        public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return web.json_response({"keys": [{**public, "kid": KEY_ID, "use": "sig",
                                            "endorsements": ["msteams"]}]})

    def claims(self, app_id: str, service_url: str, **changes: Any) -> dict[str, Any]:
        """The claims of a channel token for ``app_id``, valid for an hour, with ``changes``."""
        now = int(time.time())
        return {"serviceurl": service_url, "nbf": now - 60, "exp": now + 3600, "iss": ISSUER,
                "aud": app_id, **changes}

    def sign(self, claims: dict[str, Any], key: rsa.RSAPrivateKey | None = None,
             kid: str = KEY_ID) -> str:
        """``claims`` signed RS256 with the stand-in's key (or ``key``), naming ``kid``."""
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": kid})

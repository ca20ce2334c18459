"""Answers to the Teams invoke activities the bot does not handle.

The bot's cards use Action.Submit, which Teams delivers as a message, so no invoke carries a
command. Teams may still send one (an Action.Execute button, a dialog or a message extension the
manifest does not declare). botbuilder would answer HTTP 501 with body ``null``, which Teams shows
as a failure; instead each kind gets the response Microsoft documents for showing a message:

- ``adaptiveCard/action`` (Universal Actions): HTTP 200, ``{"statusCode": 200, "type":
  "application/vnd.microsoft.activity.message", "value": <message>}``;
- ``task/fetch``, ``task/submit`` and ``composeExtension/fetchTask`` (dialogs): HTTP 200,
  ``{"task": {"type": "message", "value": <message>}}``;
- any other ``composeExtension/...`` (message extensions): HTTP 200, ``{"composeExtension":
  {"type": "message", "text": <message>}}``;
- anything else: HTTP 400 with the Bot Framework's error body, ``{"error": {"code":
  "BadRequest", "message": <message>}}``.
"""

from botbuilder.core import InvokeResponse

ADAPTIVE_CARD_ACTION = "adaptiveCard/action"
ACTIVITY_MESSAGE = "application/vnd.microsoft.activity.message"
NOT_HANDLED = ("This bot does not handle that action. Type help in your chat with the bot to see "
               "what it can do.")


def unhandled_invoke(name: str | None) -> InvokeResponse:
    """The answer to an invoke named ``name`` that the bot does not handle."""
    name = name or ""
    if name == ADAPTIVE_CARD_ACTION:
        return InvokeResponse(status=200, body={
            "statusCode": 200, "type": ACTIVITY_MESSAGE, "value": NOT_HANDLED})
    if name.startswith("task/") or name == "composeExtension/fetchTask":
        return InvokeResponse(status=200,
                              body={"task": {"type": "message", "value": NOT_HANDLED}})
    if name.startswith("composeExtension/"):
        return InvokeResponse(status=200,
                              body={"composeExtension": {"type": "message", "text": NOT_HANDLED}})
    return InvokeResponse(status=400,
                          body={"error": {"code": "BadRequest", "message": NOT_HANDLED}})

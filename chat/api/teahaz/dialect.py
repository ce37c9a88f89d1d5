"""The two dialects of Teahaz API v0: which one a request speaks, and the request fields both may spell.

The 2021 dialect names its caller `userID`; the 2022 dialect (teahaz.py of 2022, teahaz.js from August 2021)
names it `username` and spells a few fields differently. Every request field is accepted in either spelling;
answers carry both spellings, and three rules (and a message's `data`) read the dialect (see the views).
"""

import enum
from collections.abc import Mapping
from typing import Any

from rest_framework.request import Request

from chat.api.teahaz.params import get_param
from chat.exceptions import Code, Invalid

# Methods whose parameters travel as headers (a DELETE has no body either).
HEADER_METHODS = ("GET", "HEAD", "OPTIONS", "DELETE")
# Request fields with two spellings: the 2021 name, then the 2022 one.
BODY_SPELLINGS = {"chatroom_name": "chatroom-name", "channel_name": "channel-name"}
PARAM_SPELLINGS = {"expiration-time": "expiration_time"}


class Dialect(enum.Enum):
    """Which generation of Teahaz clients a request comes from."""

    V2021 = "2021"
    V2022 = "2022"


def caller_claims(request: Request, body: Mapping[str, Any] | None) -> tuple[Any, Any]:
    """The `userID` and the `username` a request names its caller by: headers for GET, fields of `body` for POST."""
    if request.method in HEADER_METHODS:
        return get_param(request, "userID"), get_param(request, "username")
    data = body or {}
    return data.get("userID"), data.get("username")


def request_dialect(request: Request, body: Mapping[str, Any] | None = None) -> Dialect:
    """2022 when the caller is named by `username` and not by `userID`; 2021 otherwise."""
    user_id, username = caller_claims(request, body)
    return Dialect.V2022 if user_id is None and username is not None else Dialect.V2021


def one_spelling(values: Mapping[str, Any], name: str, other: str) -> Any:
    """The value given under either spelling of a field; both given must agree (else 400)."""
    if name in values and other in values and values[name] != values[other]:
        raise Invalid(f"{name} and {other} disagree; send one of them.", code=Code.CONFLICTING_SPELLINGS)
    return values[name] if name in values else values.get(other)


def body_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """A POST body with each 2022 spelling folded into its 2021 name, for the serializers."""
    folded = {key: value for key, value in data.items() if key not in BODY_SPELLINGS.values()}
    for name, other in BODY_SPELLINGS.items():
        if name in data or other in data:
            folded[name] = one_spelling(data, name, other)
    return folded


def param(request: Request, name: str) -> str | None:
    """A GET parameter under either spelling; both given must agree (else 400).

    A header named with an underscore reaches the application (if a server lets it through at all) under the
    hyphenated name, so the other spelling is told apart in the query string only.
    """
    other = PARAM_SPELLINGS.get(name)
    value = get_param(request, name)
    if other is None:
        return value
    given = {name: value, other: (request.query_params.get(other) or "").strip() or None}
    return one_spelling({key: item for key, item in given.items() if item is not None}, name, other)

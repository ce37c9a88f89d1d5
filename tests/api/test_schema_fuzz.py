"""A bounded schemathesis run over the whole OpenAPI schema: no answer is a server error or breaks the schema.

The requests go to the WSGI application in-process, as a participant of a chatroom with a bearer token (the one
credential both protocols take); every case is steered into that chatroom and names that user wherever it names
one, so it reaches the views' own rules rather than stopping at the door (the permission matrix covers the door).
Each case runs in a savepoint that is rolled back, so a case that leaves the chatroom or renames it does not
change the next one.
"""

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chat.models import Channel, Chatroom, Participant, User
from chat.services.messages import message_create
from chatsite.wsgi import application
from tests.conftest import PASSWORD

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Per operation; with the schema's ~50 operations, a few hundred cases in all.
EXAMPLES_PER_OPERATION = 8

pytestmark = pytest.mark.postgres


@pytest.fixture
def wsgi_requests_keep_the_test_transaction() -> Iterator[None]:
    """As Django's test client does: a request must not close the connection the test's transaction lives on."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(db: None) -> dict[str, Any]:
    """A chatroom with a default and a private channel, a message, the caller in it and someone to invite."""
    user = User.objects.create_user(username="fuzzer", password=PASSWORD)
    User.objects.create_user(username="someone", password=PASSWORD)
    chatroom = Chatroom.objects.create(name="Fuzz room", created_by=user)
    default = Channel.objects.create(chatroom=chatroom, name="default", is_default=True)
    Channel.objects.create(chatroom=chatroom, name="private", public=False)
    Participant.objects.create(chatroom=chatroom, user=user, role=Participant.Role.OWNER)
    message_create(
        chatroom_id=chatroom.pk, channel=default, author=user, body="hello", text="hello", html="<p>hello</p>"
    )
    token = APIClient().post("/api/auth/token", {"username": "fuzzer", "password": PASSWORD}, format="json")
    return {"user": user, "chatroom": chatroom, "channel": default, "token": token.json()["token"]}


@pytest.fixture
def in_process_server(wsgi_requests_keep_the_test_transaction: None, settings: Settings) -> None:
    # The in-process client names the server `localhost`.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]


# The schema exactly as /api/schema/ serves it, generated once when the tests are collected. The event stream
# needs the ASGI server (under WSGI it answers 503 by design); tests/events/ runs it under a real one.
schema = schemathesis.openapi.from_dict(
    json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True))),
    # Random cases only: the coverage phase alone would send thousands.
    config=SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}}),
).exclude(path="/api/v1/events")


def _steer(case: schemathesis.Case, world: dict[str, Any]) -> None:
    """Into the world's chatroom, as its participant: what a real client of either protocol would send."""
    case.headers["Authorization"] = f"Bearer {world['token']}"
    if case.path_parameters and "chatroom_id" in case.path_parameters:
        case.path_parameters["chatroom_id"] = str(world["chatroom"].pk)
    if case.headers.get("userID") is not None:
        case.headers["userID"] = str(world["user"].pk)
    if isinstance(case.body, dict) and "userID" in case.body:
        case.body["userID"] = str(world["user"].pk)
    if case.headers.get("channelID") is not None:
        case.headers["channelID"] = str(world["channel"].pk)
    if isinstance(case.body, dict) and "channelID" in case.body:
        case.body["channelID"] = str(world["channel"].pk)


@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_no_schema_violation(
    case: schemathesis.Case, fuzz_world: dict[str, Any], in_process_server: None
) -> None:
    _steer(case, fuzz_world)
    with transaction.atomic():
        case.call_and_validate(app=application, checks=CHECKS)
        transaction.set_rollback(True)

"""The OpenAPI schema at /api/schema/: every endpoint of both protocols, its errors, and the ranges of its inputs."""

import json

import pytest
from rest_framework.test import APIClient

TEAHAZ_ENDPOINTS = [
    ("post", "/chatroom/"),
    ("get", "/chatroom/{chatroom_id}/"),
    ("get", "/login/{chatroom_id}/"),
    ("post", "/login/{chatroom_id}/"),
    ("delete", "/login/{chatroom_id}/"),
    ("get", "/users/{chatroom_id}/"),
    ("get", "/channels/{chatroom_id}/"),
    ("post", "/channels/{chatroom_id}/"),
    ("get", "/messages/{chatroom_id}/"),
    ("post", "/messages/{chatroom_id}/"),
    ("get", "/invites/{chatroom_id}/"),
    ("post", "/invites/{chatroom_id}/"),
]


@pytest.fixture
def schema(db: None) -> dict:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def _operations(schema: dict) -> list[tuple[str, str, dict]]:
    return [(path, method, operation) for path, item in schema["paths"].items() for method, operation in item.items()]


@pytest.mark.parametrize("mount", ["", "/api/v0"])
@pytest.mark.parametrize(("method", "path"), TEAHAZ_ENDPOINTS)
def test_teahaz_endpoints_are_listed_at_both_mounts(schema: dict, mount: str, method: str, path: str) -> None:
    assert method in schema["paths"][mount + path]


def test_each_endpoint_is_listed_once_whatever_its_trailing_slash(schema: dict) -> None:
    paths = set(schema["paths"])
    assert not {path for path in paths if path.endswith("/") and path[:-1] in paths}
    assert "/chatrooms/Chat/chatrooms/{chatroom_id}/polledData" in paths


def test_every_operation_documents_its_errors_with_the_detail_and_code_body(schema: dict) -> None:
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["detail", "code"]
    assert all(error["properties"][name]["minLength"] == 1 for name in ("detail", "code"))
    for path, method, operation in _operations(schema):
        statuses = {status for status in operation["responses"] if status.startswith(("4", "5"))}
        assert {"404"} <= statuses, (method, path)
        for status in statuses:
            body = operation["responses"][status]["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/Error"}, (method, path, status)


def test_api_operations_document_the_errors_every_request_can_meet(schema: dict) -> None:
    for path, method, operation in _operations(schema):
        if operation.get("tags") == ["origam client"]:
            continue  # files for a browser, which need no log-in
        assert {"400", "401", "403", "404", "429", "503"} <= set(operation["responses"]), (method, path)
        assert "Retry-After" in operation["responses"]["429"]["headers"]
        assert "Retry-After" in operation["responses"]["503"]["headers"]
        if method in ("post", "patch"):
            assert {"409", "413", "415"} <= set(operation["responses"]), (method, path)


def test_every_success_of_the_protocols_is_200(schema: dict) -> None:
    # v1 is REST: it answers 201 for what it creates and 204 for what it removes.
    for path, method, operation in _operations(schema):
        if path.startswith("/api/v1/"):
            continue
        assert not {status for status in operation["responses"] if status.startswith("2") and status != "200"}, (
            method,
            path,
        )
    assert "200" in schema["paths"]["/api/v0/login/{chatroom_id}/"]["delete"]["responses"]
    assert set(schema["paths"]["/api/v1/messages/"]["post"]["responses"]) >= {"200", "201"}
    for path, method in (("/api/v1/messages/{id}/", "delete"), ("/api/v1/participants/{id}/", "delete")):
        successes = {status for status in schema["paths"][path][method]["responses"] if status.startswith("2")}
        assert successes == {"204"}, (method, path)


def test_teahaz_header_parameters_carry_their_ranges(schema: dict) -> None:
    parameters = {
        parameter["name"]: parameter["schema"]
        for method in ("get",)
        for path in ("/api/v0/messages/{chatroom_id}/", "/api/v0/invites/{chatroom_id}/")
        for parameter in schema["paths"][path][method]["parameters"]
        if parameter["in"] == "header"
    }
    assert parameters["userID"] == {"type": "string", "minLength": 1, "maxLength": 150}
    assert parameters["get-method"]["enum"] == ["since", "count"]
    assert parameters["count"]["minimum"] == 1
    assert parameters["time"]["minimum"] == 0 and parameters["time"]["maximum"] == 253402300799.0
    assert parameters["uses"] == {"type": "integer", "minimum": 1, "maximum": 1000}
    assert parameters["channelID"]["format"] == "uuid"


def test_request_fields_that_may_not_be_blank_say_so(schema: dict) -> None:
    components = schema["components"]["schemas"]
    assert components["TopicRequest"]["properties"]["topic"] == {"type": "string", "minLength": 1, "maxLength": 100}
    channel = components["TeahazChannelCreateRequest"]["properties"]["channel_name"]
    assert (channel["type"], channel["minLength"], channel["maxLength"]) == ("string", 1, 64)
    assert components["TeahazMessagePostRequest"]["properties"]["data"]["minLength"] == 1


def test_the_avatar_and_the_client_page_are_listed(schema: dict) -> None:
    avatar = schema["paths"]["/chatrooms/Avatar/{user_id}"]["get"]
    assert avatar["security"] == [{}]
    assert "image/svg+xml" in avatar["responses"]["200"]["content"]
    assert avatar["parameters"][0]["schema"] == {"type": "string", "format": "uuid"}
    for path in ("/chatrooms/", "/chatrooms/index.html"):
        assert "text/html" in schema["paths"][path]["get"]["responses"]["200"]["content"]
    assert {"/chatAssets/{path}", "/chatrooms/{path}"} <= set(schema["paths"])

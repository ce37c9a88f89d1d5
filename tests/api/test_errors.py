"""Error rendering shared by both protocols: every error is `{"detail", "code"}` with the right status."""

import pytest
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from django.urls import path
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from chat import exceptions as domain

RAISES = {
    "chat_error": (domain.ChatError(), 400),
    "invalid": (domain.Invalid("Bad input.", code=domain.Code.INVALID_TOPIC), 400),
    "not_authenticated": (domain.NotAuthenticated(), 401),
    "forbidden": (domain.Forbidden(), 403),
    "not_participant": (domain.NotParticipant(), 403),
    "not_found": (domain.NotFound("Chatroom not found.", code=domain.Code.CHATROOM_NOT_FOUND), 404),
    "conflict": (domain.Conflict(), 409),
    "too_large": (domain.TooLarge(), 413),
    "throttled": (domain.Throttled(retry_after=42), 429),
    "http404": (Http404("secret internals"), 404),
    "permission_denied": (PermissionDenied("secret internals"), 403),
    "data_too_big": (RequestDataTooBig("secret internals"), 413),
    "drf_throttled": (exceptions.Throttled(wait=7), 429),
    "drf_not_found": (exceptions.NotFound(), 404),
}


class RaiseView(APIView):
    """Raises the error its URL names, to a caller who needs no credentials."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request, name: str):
        raise RAISES[name][0]


class TopicSerializer(serializers.Serializer):
    topic = serializers.CharField(max_length=5)
    colours = serializers.ListField(child=serializers.IntegerField(), required=False)


class ValidateView(APIView):
    """Validates its JSON body with a serializer, as every adapter does."""

    permission_classes = [AllowAny]

    def post(self, request):
        serializer = TopicSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data)


class NonFieldView(APIView):
    permission_classes = [AllowAny]

    def post(self, request):
        raise serializers.ValidationError({"non_field_errors": ["Both or neither."]})


class WrongPasswordView(APIView):
    """Open to anyone, with the default authentication; refuses the credentials in its body."""

    permission_classes = [AllowAny]

    def post(self, request):
        raise domain.NotAuthenticated("Wrong username or password.", code="wrong_credentials")


urlpatterns = [
    path("raise/<str:name>", RaiseView.as_view()),
    path("validate", ValidateView.as_view()),
    path("non-field", NonFieldView.as_view()),
    path("wrong-password", WrongPasswordView.as_view()),
]

local_urls = pytest.mark.urls(__name__)


@local_urls
@pytest.mark.parametrize("name", RAISES)
def test_errors_map_to_their_status_with_detail_and_code(api_client, name):
    error, status = RAISES[name]
    response = api_client.get(f"/raise/{name}")
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail", "code"} and body["detail"] and body["code"]
    assert "secret internals" not in body["detail"]
    if isinstance(error, domain.ChatError):
        assert (body["detail"], body["code"]) == (error.detail, error.code)


@local_urls
def test_domain_codes_reach_the_client(api_client):
    assert api_client.get("/raise/not_found").json() == {"detail": "Chatroom not found.", "code": "chatroom_not_found"}
    assert api_client.get("/raise/not_participant").json()["code"] == "not_participant"


@local_urls
def test_throttled_says_when_to_retry(api_client):
    assert api_client.get("/raise/throttled")["Retry-After"] == "42"
    assert api_client.get("/raise/drf_throttled")["Retry-After"] == "7"


@local_urls
def test_a_validation_error_flattens_to_one_detail(api_client):
    response = api_client.post("/validate", {"topic": "far too long"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "topic: Ensure this field has no more than 5 characters.",
        "code": "max_length",
    }
    response = api_client.post("/validate", {}, format="json")
    assert response.json() == {"detail": "topic: This field is required.", "code": "required"}
    response = api_client.post("/validate", {"topic": "ok", "colours": [1, "red"]}, format="json")
    assert response.status_code == 400 and response.json()["detail"].startswith("colours: ")
    response = api_client.post("/non-field", {}, format="json")
    assert response.json() == {"detail": "Both or neither.", "code": "invalid"}


@local_urls
@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        ("{not json", "application/json", 400, "parse_error"),
        ("[1, 2]", "application/json", 400, "invalid"),
        ("topic=x", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    ],
)
def test_bad_bodies_are_clear_4xx(api_client, body, content_type, status, code):
    response = api_client.generic("POST", "/validate", body, content_type=content_type)
    assert response.status_code == status
    assert response.json()["code"] == code


@local_urls
def test_the_domains_not_authenticated_challenges_too(api_client):
    # RFC 9110: a 401 names a scheme the client can answer with.
    response = api_client.post("/wrong-password", {}, format="json")
    assert response.status_code == 401
    assert response.json() == {"detail": "Wrong username or password.", "code": "wrong_credentials"}
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("url", ["/no/such/page", "/api/nothing-here", "/admin-nope"])
def test_unknown_urls_answer_json_404(client, url):
    for method in ("get", "post", "delete"):
        response = getattr(client, method)(url)
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found.", "code": "not_found"}

"""The credentials every adapter accepts: a missing or bad one is a 401 with a challenge."""

import pytest
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView


class PrivateView(APIView):
    """Needs a caller: the default authentication and permission classes."""

    def get(self, request):
        return Response({"user": request.user.username})


urlpatterns = [path("private", PrivateView.as_view())]

local_urls = pytest.mark.urls(__name__)


@local_urls
@pytest.mark.django_db
def test_unauthenticated_is_401_with_a_challenge(api_client):
    response = api_client.get("/private")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }
    assert response["WWW-Authenticate"] == "Bearer"


@local_urls
@pytest.mark.django_db
def test_a_bad_bearer_token_is_401(api_client):
    response = api_client.get("/private", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or expired token.", "code": "invalid_token"}

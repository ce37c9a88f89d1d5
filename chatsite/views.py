"""The server's front page: where a person who logged in at /accounts/login/ lands."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """Says who is logged in and links to what this server offers them."""
    return render(request, "home.html", {"chat_app": bool(settings.ORIGAM_CHAT_APP_DIR)})

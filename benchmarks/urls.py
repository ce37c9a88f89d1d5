"""The project's URLs behind a bare `JsonResponse` view: the same server, middleware and settings serve both."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from chatsite import urls as project_urls

BARE_PATH = "/bench/bare"

handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500


def bare(request: HttpRequest) -> JsonResponse:
    """The cheapest answer Django gives: the baseline every scenario is a fraction of."""
    return JsonResponse({"ok": True})


urlpatterns = [path(BARE_PATH.lstrip("/"), bare), *project_urls.urlpatterns]

"""Request guards that apply before any view runs."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest


class RejectNulInAdminMiddleware:
    """A NUL character in an admin URL or query answers 400: PostgreSQL cannot compare text holding one.

    The protocol adapters check their own input; the admin's search box, filters and object ids are
    Django's, which would pass the NUL on to the database and fail with a server error.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/admin/") and (
            "\x00" in request.path or "\x00" in request.GET.urlencode() or "%00" in request.META.get("QUERY_STRING", "")
        ):
            return HttpResponseBadRequest("A NUL character is not allowed here.", content_type="text/plain")
        return self.get_response(request)

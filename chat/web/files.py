"""What every file answer shares: GET and HEAD only, and revalidation with JSON errors."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from chat.api.errors import error_body

SAFE_METHODS = ("GET", "HEAD")


def method_not_allowed() -> JsonResponse:
    """The JSON 405 for anything but a read."""
    response = JsonResponse(error_body("Method not allowed.", "method_not_allowed"), status=405)
    response["Allow"] = ", ".join(SAFE_METHODS)
    return response


def conditional(request: HttpRequest, *, etag: str, last_modified: float | None) -> HttpResponse | None:
    """A 304 (or a JSON 412) when the client's copy is current, else None."""
    answer = get_conditional_response(
        request, etag=etag, last_modified=int(last_modified) if last_modified is not None else None
    )
    if answer is not None and answer.status_code == 412:
        return JsonResponse(error_body("Precondition failed.", "precondition_failed"), status=412)
    return answer


def set_validators(response: HttpResponseBase, *, etag: str, last_modified: float | None) -> None:
    """The ETag (and Last-Modified, when known) a client revalidates with."""
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)

"""The WSGI body guard in front of Django, called as a WSGI server would."""

import io

from chatsite.bodies import RequestBodyLimits


def call(environ: dict) -> tuple[str, bytes, bool]:
    """Status, body, and whether Django behind the guard was reached."""
    reached = []

    def app(environ, start_response):
        reached.append(environ)
        start_response("200 OK", [])
        return [environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))]

    statuses = []
    body = b"".join(RequestBodyLimits(app)({"wsgi.input": io.BytesIO(b""), **environ}, lambda s, h: statuses.append(s)))
    return statuses[0], body, bool(reached)


def test_chunked_without_a_server_that_decodes_it_is_411(settings):
    status, body, reached = call({"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": io.BytesIO(b'{"a": 1}')})
    assert status == "411 Length Required" and not reached
    assert b'"code":"length_required"' in body


def test_chunked_from_a_server_that_decodes_it_gets_a_length(settings):
    environ = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True, "wsgi.input": io.BytesIO(b'{"a":1}')}
    assert call(environ) == ("200 OK", b'{"a":1}', True)


def test_a_content_length_over_the_limit_is_413_and_the_body_is_drained(settings):
    settings.CHAT_REQUEST_MAX_BYTES = 10
    stream = io.BytesIO(b"x" * 100)
    status, body, reached = call({"CONTENT_LENGTH": "100", "wsgi.input": stream})
    assert status == "413 Request Entity Too Large" and not reached
    assert b'"code":"too_large"' in body
    assert stream.tell() == 100


def test_the_drain_is_bounded(settings):
    settings.CHAT_REQUEST_MAX_BYTES = 10
    settings.CHAT_REQUEST_DRAIN_BYTES = 64
    stream = io.BytesIO(b"x" * 1000)
    assert call({"CONTENT_LENGTH": "1000", "wsgi.input": stream})[0].startswith("413")
    assert stream.tell() == 64


def test_a_content_length_that_is_not_a_number_is_400():
    status, body, reached = call({"CONTENT_LENGTH": "ten"})
    assert status == "400 Bad Request" and not reached
    assert b'"code":"invalid_content_length"' in body

"""Message pages by cursor: a keyset on the chatroom's message order, so that pages hold still while messages arrive."""

import base64
import binascii
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import orjson
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from chat.exceptions import Code
from chat.selectors.messages import ordered, past_position, position_of
from chat.selectors.search import past_search_position, search_ordered, search_position_of, with_snippets

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def _encode(
    *, position: tuple[datetime, uuid.UUID], later: bool, rank: float | None = None, ranked: bool = False
) -> str:
    sent_at, message_id = position
    data: dict[str, Any] = {"t": sent_at.isoformat(), "i": str(message_id), "later": later}
    if ranked:
        data["r"] = rank
    raw = orjson.dumps(data)
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode(cursor: str, *, ranked: bool = False) -> tuple[datetime, uuid.UUID, bool, float | None]:
    """The place a cursor names; a time cursor in a ranked search (or the reverse) is not one this server gave."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = orjson.loads(raw)
        sent_at = datetime.fromisoformat(data["t"])
        if sent_at.tzinfo is None or not isinstance(data["later"], bool) or ranked != ("r" in data):
            raise ValueError(data)
        rank = data.get("r")
        if rank is not None and not isinstance(rank, float):
            raise ValueError(data)
        return sent_at, uuid.UUID(data["i"]), data["later"], rank
    except (binascii.Error, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        raise ValidationError({"cursor": ["Not a cursor this server gave."]}, code=Code.INVALID_CURSOR) from None


class MessageCursorPagination(BasePagination):
    """Pages of message rows in the chatroom's order (oldest first within a page), linked by opaque cursors.

    Without a cursor the page holds the newest messages, or the oldest ones from `after` when only `after` bounds
    the list. `previous` leads to older messages, `next` to newer ones; either is null when nothing lies there.
    A cursor names a place in the order, not an offset, so messages posted meanwhile shift nothing.
    """

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def paginate_queryset(
        self, queryset: QuerySet[Any, Any] | Sequence[Any], request: Request, view: Any = None
    ) -> list[Any]:
        assert isinstance(queryset, QuerySet), "message pages are read from a queryset"

        def fetch(*, limit: int, past: tuple[datetime, uuid.UUID] | None, later: bool) -> list[dict]:
            bounded = queryset
            if past is not None:
                bounded = bounded.filter(
                    past_position(sent_at=past[0], message_id=past[1], later=later, inclusive=False)
                )
            rows = list(ordered(bounded, newest_first=not later)[:limit])
            if not later:
                rows.reverse()
            return rows

        return self.paginate_rows(fetch, request)

    def paginate_rows(self, fetch: Callable[..., list[dict]], request: Request) -> list[dict]:
        """A page from `fetch(limit=, past=, later=)`, which answers up to `limit` rows in the chatroom's order:
        the oldest after the place `past` when `later`, else the newest before it (or from either end without one).
        """
        self.request = request
        size = self._page_size(request)
        cursor = request.query_params.get(self.cursor_query_param)
        from_oldest = "after" in request.query_params and "before" not in request.query_params
        past: tuple[datetime, uuid.UUID] | None = None
        if cursor:
            sent_at, message_id, later, _rank = _decode(cursor)
            past = (sent_at, message_id)
        else:
            later = from_oldest
        rows = fetch(limit=size + 1, past=past, later=later)
        more = len(rows) > size
        # One row more than a page says whether more lie beyond it, on the far side from the cursor.
        rows = rows[:size] if later else rows[-size:]
        # Coming from a cursor, the far side holds at least the row the cursor was taken from.
        self._older = bool(rows) and (more if not later else bool(cursor))
        self._newer = bool(rows) and (more if later else bool(cursor))
        self.rows = rows
        return rows

    def _page_size(self, request: Request) -> int:
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return DEFAULT_PAGE_SIZE
        if not value.isdigit() or not 1 <= int(value) <= MAX_PAGE_SIZE:
            raise ValidationError({"page_size": [f"An integer from 1 to {MAX_PAGE_SIZE}."]}, code=Code.INVALID)
        return int(value)

    def _link(self, *, row: dict, later: bool) -> str:
        url = remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)
        return replace_query_param(url, self.cursor_query_param, _encode(position=position_of(row), later=later))

    def get_paginated_response(self, data: Sequence[Any]) -> Response:
        return Response(
            {
                "next": self._link(row=self.rows[-1], later=True) if self._newer else None,
                "previous": self._link(row=self.rows[0], later=False) if self._older else None,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "in": "query",
                "required": False,
                "description": "The `next` or `previous` cursor of an earlier page.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "in": "query",
                "required": False,
                "description": f"Messages per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]


class MessageSearchPagination(MessageCursorPagination):
    """Pages of a ranked search (`q`): best match first, linked by opaque cursors that name a place in that order.

    Without a cursor the page holds the best matches; `next` leads to worse ones, `previous` back to better
    ones; either is null when nothing lies there. A cursor names a rank, a time and an id, so a message that
    arrives meanwhile takes its own place: the pages already read neither repeat nor lose a row.
    """

    def paginate_queryset(
        self, queryset: QuerySet[Any, Any] | Sequence[Any], request: Request, view: Any = None
    ) -> list[Any]:
        assert isinstance(queryset, QuerySet), "search pages are read from a queryset"
        self.request = request
        size = self._page_size(request)
        cursor = request.query_params.get(self.cursor_query_param)
        worse = True
        if cursor:
            sent_at, message_id, worse, rank = _decode(cursor, ranked=True)
            queryset = queryset.filter(
                past_search_position(rank=rank, sent_at=sent_at, message_id=message_id, worse=worse)
            )
        rows = list(search_ordered(queryset, best_first=worse)[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        if not worse:
            rows.reverse()
        self._worse = bool(rows) and (more if worse else bool(cursor))
        self._better = bool(rows) and (more if not worse else bool(cursor))
        self.rows = with_snippets(rows, request.query_params.get("q", ""))
        return self.rows

    def _search_link(self, *, row: dict, worse: bool) -> str:
        rank, sent_at, message_id = search_position_of(row)
        url = remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)
        position = (sent_at, message_id)
        cursor = _encode(position=position, later=worse, rank=rank, ranked=True)
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_paginated_response(self, data: Sequence[Any]) -> Response:
        return Response(
            {
                "next": self._search_link(row=self.rows[-1], worse=True) if self._worse else None,
                "previous": self._search_link(row=self.rows[0], worse=False) if self._better else None,
                "results": data,
            }
        )

"""Full-text search over the plain text of messages: one path for every way in (v1, the admin).

On PostgreSQL the text is matched as a `SearchVector` (served by the GIN index `chat_msg_text_search_idx`, which
migration 0007 creates there only), ranked with `SearchRank`, and each hit gets a highlighted snippet from
`SearchHeadline`. Elsewhere (the embedded SQLite default) a message matches when its text contains every word
of the query (and none marked with a leading minus), in any letter case (SQLite folds ASCII letters only), even
inside a longer word; hits come newest first and their snippet is cut around the first word found. Both answer
the same row shape.

The words are matched as written, without stemming ("simple" configuration): a chat holds every language.
"""

import html
import re
import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import DateTimeField, ExpressionWrapper, F, FloatField, OrderBy, Q, QuerySet, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast

from chat.access import RoomAccess
from chat.exceptions import Code, Invalid
from chat.limits import SEARCH_QUERY_MAX_LENGTH, SEARCH_RESULTS_MAX
from chat.models import Message
from chat.selectors.messages import MESSAGE_FIELDS

SEARCH_CONFIG = "simple"
# Where PostgreSQL's headline marks a hit; escaped apart from the text around them, then drawn as <mark>.
_START, _STOP = "\x02", "\x03"
# The SQLite snippet: this many characters before the first hit, this many in all.
_SNIPPET_BEFORE, _SNIPPET_LENGTH = 40, 200


def message_text_vector() -> SearchVector:
    """The searched document; the GIN index is built on this very expression, so the planner can use it."""
    return SearchVector("text", config=SEARCH_CONFIG)


def _words(query: str) -> list[str]:
    """The query's words (PostgreSQL's websearch syntax aside, quotes and a leading minus are not words)."""
    return [word for word in re.split(r"[\s\"]+", query) if word and word != "-"]


def _query_checked(query: object) -> str:
    if not isinstance(query, str) or "\x00" in query:
        raise Invalid("The search must be a string.", code=Code.INVALID_SEARCH)
    query = query.strip()
    if not _words(query):
        raise Invalid("The search needs at least one word.", code=Code.INVALID_SEARCH)
    if len(query) > SEARCH_QUERY_MAX_LENGTH:
        raise Invalid(f"A search may be at most {SEARCH_QUERY_MAX_LENGTH} characters.", code=Code.INVALID_SEARCH)
    return query


def _on_postgres(queryset: QuerySet) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def _tsquery(query: str) -> SearchQuery:
    # websearch: what people type into a search box ("exact phrase", -excluded, or) never raises a syntax error.
    return SearchQuery(query, config=SEARCH_CONFIG, search_type="websearch")


def message_search_filter(
    queryset: QuerySet[Message], query: str, *, or_author_ids: Sequence[uuid.UUID] = ()
) -> QuerySet[Message]:
    """The messages of the queryset whose text matches the query (for a FilterSet's `q`, or the admin's search).

    With `or_author_ids`, messages by those authors match too (the admin searches text or author at once; on
    PostgreSQL the text index and the author index then serve one query together). Only narrows: ordering,
    visibility and permissions stay the caller's. A blank query narrows nothing.
    """
    if not isinstance(query, str) or not _words(query.strip()):
        return queryset
    query = _query_checked(query)
    by_author = Q(author_id__in=list(or_author_ids)) if or_author_ids else Q(pk__in=[])
    if _on_postgres(queryset):
        searched = queryset.alias(search_document=message_text_vector())
        return searched.filter(Q(search_document=_tsquery(query)) | by_author)
    words = Q()
    for word in _words(query):
        words &= ~Q(text__icontains=word[1:]) if word.startswith("-") else Q(text__icontains=word)
    return queryset.filter(words | by_author)


def message_search_ranked(queryset: QuerySet[Message], query: str) -> QuerySet[Message]:
    """The matches of the queryset, annotated for a ranked read: `rank`, and on PostgreSQL `headline`.

    `rank` is PostgreSQL's `ts_rank` as a double (exact through JSON, so a cursor can name it), and null on
    SQLite, where matches are not ranked. Order them with `search_ordered`; give them snippets with
    `with_snippets`.
    """
    matches = message_search_filter(queryset, _query_checked(query))
    if not _on_postgres(matches):
        return matches.annotate(rank=Value(None, output_field=FloatField()))
    tsquery = _tsquery(query.strip())
    return matches.annotate(
        rank=Cast(SearchRank(F("search_document"), tsquery), FloatField()),
        headline=SearchHeadline(
            "text", tsquery, config=SEARCH_CONFIG, start_sel=_START, stop_sel=_STOP, max_fragments=2
        ),
    )


def search_fields(ranked: QuerySet[Message]) -> tuple[str, ...]:
    """The annotations of `message_search_ranked` to read with each row (for `with_snippets`)."""
    return ("rank", "headline") if _on_postgres(ranked) else ("rank",)


# The order of ranked matches, best first: by rank (PostgreSQL only), then newest first, ties by id.
SEARCH_ORDER = ("rank", "sent_at", "id")


def search_ordered(queryset: QuerySet, *, best_first: bool = True) -> QuerySet:
    """Ranked matches in SEARCH_ORDER (best first), or its reverse."""
    return queryset.order_by(*(f"-{field}" if best_first else field for field in SEARCH_ORDER))


def search_position_of(row: dict) -> tuple[float | None, datetime, uuid.UUID]:
    """A ranked row's place in SEARCH_ORDER, as a cursor remembers it."""
    return row["rank"], row["sent_at"], row["id"]


def past_search_position(*, rank: float | None, sent_at: datetime, message_id: uuid.UUID, worse: bool) -> Q:
    """The ranked matches after (`worse`) or before a place in SEARCH_ORDER, the place itself excluded.

    A null rank (SQLite) ranks nothing: the place is then its time and id alone.
    """
    lookup = "lt" if worse else "gt"
    by_time = Q(**{f"sent_at__{lookup}": sent_at}) | Q(sent_at=sent_at, **{f"id__{lookup}": message_id})
    if rank is None:
        return by_time
    return Q(**{f"rank__{lookup}": rank}) | (Q(rank=rank) & by_time)


def with_snippets(rows: list[dict], query: str) -> list[dict]:
    """Ranked rows with `snippet`: safe HTML, the text around the hits with each hit in <mark>.

    PostgreSQL's headline comes with each row; SQLite's is cut here around the first word found.
    """
    words = [word for word in _words(query.strip()) if not word.startswith("-")]
    for row in rows:
        headline = row.pop("headline", None)
        row["snippet"] = _snippet(row["text"], words) if headline is None else _marked(headline)
    return rows


# Up to this many matches, a search in time order sorts all of them, found through the full-text index.
SEARCH_SORTED_MAX_HITS = 10_000


def message_search_time_order(
    queryset: QuerySet[Message], ordering: Sequence[str | Combinable]
) -> list[str | Combinable]:
    """The ordering for a page of searched messages in time order, such that the full-text index finds them.

    Ordered by `sent_at`, PostgreSQL walks the time index and tests each row against the search, expecting the
    matches to be spread evenly through time: a word that is rare in recent messages makes it read the whole
    table (seconds at a million rows). So when the search matches at most SEARCH_SORTED_MAX_HITS rows (counted
    through the index, stopping there), `sent_at` is ordered as an expression that no index serves: the
    matches are found through the GIN index and sorted, in milliseconds whatever their age. More matches keep
    the time index, which then finds a page's worth quickly. Elsewhere (SQLite) the ordering is kept as is.
    """
    if not _on_postgres(queryset) or queryset.order_by()[: SEARCH_SORTED_MAX_HITS + 1].count() > SEARCH_SORTED_MAX_HITS:
        return list(ordering)
    # The same instant, but an expression: no index on sent_at can hand the rows over in this order.
    unindexed_time = ExpressionWrapper(F("sent_at") + timedelta(0), output_field=DateTimeField())
    return [
        OrderBy(unindexed_time, descending=field.startswith("-"))
        if isinstance(field, str) and field.removeprefix("-") == "sent_at"
        else field
        for field in ordering
    ]


def message_search(*, access: RoomAccess, query: str, limit: int) -> list[dict]:
    """Visible messages of the channels the caller may read that match the query: best first, with snippets.

    Each row is a message row of `chat.selectors.messages` plus `rank` (a float on PostgreSQL, None elsewhere)
    and `snippet`: safe HTML, the text around the hits with each hit in <mark>.
    """
    query = _query_checked(query)
    if not isinstance(limit, int) or not 1 <= limit <= SEARCH_RESULTS_MAX:
        raise Invalid(f"The limit must be between 1 and {SEARCH_RESULTS_MAX}.", code=Code.INVALID_SEARCH)
    channel_ids = [channel.id for channel in access.readable_channels]
    if not channel_ids:
        return []
    visible = Message.objects.visible().filter(chatroom_id=access.chatroom.pk, channel_id__in=channel_ids)
    ranked = message_search_ranked(visible, query)
    rows = search_ordered(ranked).values(*MESSAGE_FIELDS, *search_fields(ranked))[:limit]
    return with_snippets(list(rows), query)


def _marked(headline: str) -> str:
    """PostgreSQL's headline as safe HTML: the text escaped, the hits between the markers in <mark>."""
    return "".join(_marked_parts(headline))


def _marked_parts(headline: str) -> Iterator[str]:
    inside = False
    for part in re.split(f"([{_START}{_STOP}])", headline):
        if part == _START:
            inside = True
        elif part == _STOP:
            inside = False
        elif part:
            yield f"<mark>{html.escape(part)}</mark>" if inside else html.escape(part)


def _snippet(text: str, words: list[str]) -> str:
    """The text around the first hit, escaped, each occurrence of a word in <mark> (the fallback's headline)."""
    pattern = re.compile("|".join(re.escape(word) for word in sorted(words, key=len, reverse=True)), re.IGNORECASE)
    first = pattern.search(text)
    start = max(0, first.start() - _SNIPPET_BEFORE) if first else 0
    cut = text[start : start + _SNIPPET_LENGTH]
    parts = []
    position = 0
    for hit in pattern.finditer(cut):
        parts.append(html.escape(cut[position : hit.start()]))
        parts.append(f"<mark>{html.escape(hit.group())}</mark>")
        position = hit.end()
    parts.append(html.escape(cut[position:]))
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + _SNIPPET_LENGTH < len(text) else ""
    return prefix + "".join(parts) + suffix

"""The FilterSets of v1: each narrows a queryset that the caller's chatroom access has already bounded."""

import uuid

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.exceptions import ValidationError

from chat.exceptions import Code
from chat.models import Chatroom, Message, Participant
from chat.selectors.messages import past_position
from chat.selectors.search import message_search_ranked
from chat.services.presence import PRESENCE_STATUSES, presence_condition

BOUND_HELP = (
    "A time (ISO 8601 with its offset) or the id of a message of the chatroom; the bound itself is included. "
    "Ties of send time are ordered by message id."
)


def _bound(value: str, *, name: str, chatroom_id: uuid.UUID, later: bool) -> Q:
    """`after`/`before`: a time or an anchor message, inclusive."""
    try:
        anchor = uuid.UUID(value)
    except ValueError:
        moment = parse_datetime(value)
        if moment is None or timezone.is_naive(moment):
            raise ValidationError(
                {name: ["A time with its offset (2026-01-31T12:00:00+00:00) or a message id."]},
                code=Code.INVALID_ANCHOR,
            ) from None
        return Q(sent_at__gte=moment) if later else Q(sent_at__lte=moment)
    sent_at = Message.objects.filter(pk=anchor, chatroom_id=chatroom_id).values_list("sent_at", flat=True).first()
    if sent_at is None:
        raise ValidationError({name: ["The anchor is not a message of this chatroom."]}, code=Code.INVALID_ANCHOR)
    return past_position(sent_at=sent_at, message_id=anchor, later=later, inclusive=True)


SEARCH_HELP = (
    'Full-text search over the messages\' text (PostgreSQL: whole words, web-search syntax: "exact phrase", '
    "-without, or; SQLite: every word, inside longer words too). It changes the order and the paging: results "
    "come best match first (by rank, then newest), each with `rank` and `snippet`; `next` leads to worse "
    "matches, `previous` back to better ones, and a cursor from a search serves only the same search. Every "
    "other filter still narrows it. At most 200 characters."
)


class MessageFilter(django_filters.FilterSet):
    """Messages of one chatroom, narrowed by channel, author, kind, bounds, mentions of the caller, and words."""

    chatroom = django_filters.UUIDFilter(field_name="chatroom_id", required=True, help_text="The chatroom (required).")
    channel = django_filters.UUIDFilter(field_name="channel_id", help_text="Only this channel.")
    author = django_filters.UUIDFilter(field_name="author_id", help_text="Only messages by this user.")
    kind = django_filters.ChoiceFilter(choices=Message.Kind.choices, help_text="text or system.")
    after = django_filters.CharFilter(method="filter_after", help_text=f"Messages from this bound on. {BOUND_HELP}")
    before = django_filters.CharFilter(method="filter_before", help_text=f"Messages up to this bound. {BOUND_HELP}")
    mentions_me = django_filters.BooleanFilter(
        method="filter_mentions_me", help_text="true: only messages that mention the caller; false: none of those."
    )

    q = django_filters.CharFilter(method="filter_q", help_text=SEARCH_HELP)

    class Meta:
        model = Message
        fields = ["chatroom", "channel", "author", "kind", "after", "before", "mentions_me", "q"]

    def filter_after(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(_bound(value, name=name, chatroom_id=self.form.cleaned_data["chatroom"], later=True))

    def filter_before(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(_bound(value, name=name, chatroom_id=self.form.cleaned_data["chatroom"], later=False))

    def filter_mentions_me(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        mine = Q(mentions=self.request.user.pk)
        return queryset.filter(mine) if value else queryset.exclude(mine)

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return message_search_ranked(queryset, value)


class ChatroomFilter(django_filters.FilterSet):
    """The caller's chatrooms, by name."""

    name = django_filters.CharFilter(
        lookup_expr="icontains", help_text="Chatrooms whose name contains this (any case)."
    )

    class Meta:
        model = Chatroom
        fields = ["name"]


PRESENCE_CHOICES = [(status, status) for status in PRESENCE_STATUSES]


class ParticipantFilter(django_filters.FilterSet):
    """The participants of one chatroom, by role, state and presence."""

    chatroom = django_filters.UUIDFilter(field_name="chatroom_id", required=True, help_text="The chatroom (required).")
    role = django_filters.ChoiceFilter(choices=Participant.Role.choices)
    state = django_filters.ChoiceFilter(choices=Participant.State.choices)
    presence = django_filters.ChoiceFilter(
        choices=PRESENCE_CHOICES, method="filter_presence", help_text="As the participant list shows it, as of now."
    )

    class Meta:
        model = Participant
        fields = ["chatroom", "role", "state", "presence"]

    def filter_presence(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(presence_condition(status=value, now=timezone.now()))

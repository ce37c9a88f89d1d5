"""The moderation desk: every page loads, searches and filters work, every action goes through a service and
leaves a ModerationLog row with the operator as actor, and the message list stays cheap."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from chat.admin import ChatroomFilter, CheapCountPaginator
from chat.models import AuthToken, Channel, ChannelGrant, Chatroom, Message, ModerationLog, Participant, User
from chat.services.chatrooms import channel_create, chatroom_create, grant_set
from chat.services.messages import message_hide, message_post
from chat.services.participants import participant_add, participant_ban
from chat.services.tokens import token_hash, token_issue
from tests.conftest import PASSWORD


class _FormInputs(HTMLParser):
    """The inputs of the form that holds a given field, as a browser would submit them (textareas empty)."""

    def __init__(self, holding: str) -> None:
        super().__init__()
        self.holding = holding
        self.forms: list[list[tuple[str, str]]] = []
        self._current: list[tuple[str, str]] | None = None
        self._select: str | None = None
        self._options: list[str] = []
        self._chosen = False
        self._multiple = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self._current = []
        elif self._current is None:
            return
        elif tag == "select":
            self._select = attributes.get("name")
            self._options = []
            self._chosen = False
            self._multiple = "multiple" in attributes
        elif tag == "option" and self._select:
            self._options.append(attributes.get("value") or "")
            if "selected" in attributes:
                self._chosen = True
                self._current.append((self._select, attributes.get("value") or ""))
        elif tag in ("input", "textarea") and attributes.get("name"):
            kind = attributes.get("type")
            if kind == "submit" or (kind == "checkbox" and "checked" not in attributes):
                return
            default = "on" if kind == "checkbox" else ""
            self._current.append((attributes["name"], attributes.get("value") or default))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select:
            # A single select without a chosen option submits its first one.
            if not self._chosen and not self._multiple and self._options:
                self._current.append((self._select, self._options[0]))
            self._select = None
        if tag == "form" and self._current is not None:
            self.forms.append(self._current)
            self._current = None

    def form(self) -> dict[str, list[str]]:
        for inputs in self.forms:
            if any(name == self.holding for name, _ in inputs):
                data: dict[str, list[str]] = {}
                for name, value in inputs:
                    data.setdefault(name, []).append(value)
                return data
        raise AssertionError(f"no form with a '{self.holding}' field on the page")


def form_holding(response, field: str) -> dict[str, list[str]]:
    """What the page's form holding `field` would submit."""
    parser = _FormInputs(field)
    parser.feed(response.content.decode())
    return parser.form()


def changelist_url(model: type) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def listed(client, model: type, **params) -> list:
    """The objects a changelist shows for these query parameters."""
    response = client.get(changelist_url(model), params)
    assert response.status_code == 200, response.content[:500]
    return list(response.context["cl"].result_list)


def run_action(client, model: type, action: str, objects, **extra) -> object:
    """Ticks the objects and runs the action from the changelist, as the page's Go button does."""
    data = {"action": action, "index": "0", "_selected_action": [str(obj.pk) for obj in objects], **extra}
    return client.post(changelist_url(model), data)


def post(participant: Participant, text: str, channel: Channel | None = None) -> Message:
    channel = channel or Channel.objects.get(chatroom=participant.chatroom, is_default=True)
    message, _ = message_post(participant=participant, channel_id=channel.pk, body=text)
    return message


def midnight():
    """Today's start, as the admin's date filter links give it."""
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def log_of(action: str) -> ModerationLog:
    return ModerationLog.objects.get(action=action)


@pytest.fixture
def owner_participant(chatroom, owner) -> Participant:
    return Participant.objects.select_related("chatroom", "user").get(chatroom=chatroom, user=owner)


@pytest.fixture
def member_participant(chatroom, member) -> Participant:
    return Participant.objects.select_related("chatroom", "user").get(chatroom=chatroom, user=member)


@pytest.fixture
def private_channel(chatroom) -> Channel:
    return channel_create(chatroom=chatroom, name="staff", public=False)


# ------------------------------------------------------------------------------------------------------------------
# Every page loads
# ------------------------------------------------------------------------------------------------------------------


@pytest.fixture
def every_object(chatroom, owner, member, member_participant, private_channel, admin_user):
    grant_set(channel=private_channel, user=member, r=True, w=True, x=False, actor=owner)
    message = post(member_participant, "hello there")
    _raw, token = token_issue(user=member)
    return {
        Chatroom: chatroom,
        Participant: member_participant,
        Channel: private_channel,
        Message: message,
        User: member,
        AuthToken: token,
        ModerationLog: ModerationLog.objects.get(action="grant:rw-"),
    }


@pytest.mark.parametrize("model", [Chatroom, Participant, Channel, Message, User, AuthToken, ModerationLog])
def test_changelist_and_change_page_load(admin_client, every_object, model):
    obj = every_object[model]
    response = admin_client.get(changelist_url(model))
    assert response.status_code == 200
    assert obj in response.context["cl"].result_list
    response = admin_client.get(change_url(obj))
    assert response.status_code == 200
    assert response.context["original"] == obj


@pytest.mark.parametrize(
    ("model", "status"),
    [(Chatroom, 200), (Participant, 200), (Channel, 200), (User, 200), (AuthToken, 200), (Message, 403)],
)
def test_add_pages(admin_client, db, model, status):
    response = admin_client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add"))
    assert response.status_code == status


def test_admin_is_for_staff_only(client, member):
    client.force_login(member)
    response = client.get(changelist_url(Message))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_admin_refuses_a_post_without_csrf_token(admin_user, member_participant):
    message = post(member_participant, "spam")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_user)
    data = {"action": "unhide_messages", "index": "0", "_selected_action": [str(message.pk)]}
    message_hide(message=message, actor=admin_user, reason="spam")

    refused = browser.post(changelist_url(Message), data)
    assert refused.status_code == 403
    message.refresh_from_db()
    assert message.hidden_at is not None

    # The same request with the token the admin page hands out goes through: the protection is Django's own.
    browser.get(changelist_url(Message))
    data["csrfmiddlewaretoken"] = browser.cookies["csrftoken"].value
    assert browser.post(changelist_url(Message), data).status_code == 302
    message.refresh_from_db()
    assert message.hidden_at is None


# ------------------------------------------------------------------------------------------------------------------
# Chatrooms
# ------------------------------------------------------------------------------------------------------------------


def test_chatroom_list_counts_participants_and_messages_without_multiplying(
    admin_client, make_user, chatroom, owner_participant, member_participant
):
    third = make_user("third")
    participant_add(chatroom=chatroom, user=third)
    for text in ("one", "two", "three"):
        post(member_participant, text)
    quiet = chatroom_create(creator=make_user("quiet"), name="Quiet room")

    rows = {room.pk: room for room in listed(admin_client, Chatroom)}
    # owner, member, third; the welcome message and three posts (a join of both would give 3 x 4 = 12).
    assert (rows[chatroom.pk].participant_count, rows[chatroom.pk].message_count) == (3, 4)
    assert (rows[quiet.pk].participant_count, rows[quiet.pk].message_count) == (1, 1)


def test_chatroom_search_and_date_filter(admin_client, make_user, chatroom):
    other = chatroom_create(creator=make_user("x"), name="Coffee corner")
    Chatroom.objects.filter(pk=other.pk).update(created_at=timezone.now() - timedelta(days=400))

    assert listed(admin_client, Chatroom, q="coffee") == [other]
    today = midnight()
    recent = listed(admin_client, Chatroom, created_at__gte=str(today), created_at__lt=str(today + timedelta(days=1)))
    assert recent == [chatroom]


def test_chatroom_change_page_shows_participants_and_channels(admin_client, chatroom, member, private_channel):
    response = admin_client.get(change_url(chatroom))
    formsets = {formset.opts.model: formset for formset in response.context["inline_admin_formsets"]}
    assert {form.instance.user for form in formsets[Participant].formset} == {chatroom.created_by, member}
    assert {form.instance.name for form in formsets[Channel].formset} == {"default", "staff"}


def test_chatroom_created_in_the_admin_goes_through_chatroom_create(admin_client, owner):
    response = admin_client.post(
        reverse("admin:chat_chatroom_add"),
        {"name": "Operators' room", "created_by": str(owner.pk), "reference_category": "", "reference_record_id": ""},
    )
    assert response.status_code == 302
    room = Chatroom.objects.get(name="Operators' room")
    assert Participant.objects.get(chatroom=room).role == Participant.Role.OWNER
    assert Channel.objects.filter(chatroom=room, is_default=True).exists()
    assert Message.objects.get(chatroom=room).text == f"Welcome {owner.username}!"


def test_chatroom_renamed_in_the_admin(admin_client, chatroom):
    form = form_holding(admin_client.get(change_url(chatroom)), "name")
    form["name"] = ["  Renamed room  "]
    response = admin_client.post(change_url(chatroom), form)
    assert response.status_code == 302
    chatroom.refresh_from_db()
    assert chatroom.name == "Renamed room"


def test_chatrooms_cannot_be_deleted_in_the_admin(admin_client, chatroom):
    delete_url = reverse("admin:chat_chatroom_delete", args=[chatroom.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Chatroom.objects.filter(pk=chatroom.pk).exists()


# ------------------------------------------------------------------------------------------------------------------
# Messages
# ------------------------------------------------------------------------------------------------------------------


@pytest.fixture
def messages_setup(make_user, chatroom, owner_participant, member_participant, private_channel):
    """Messages in two chatrooms and two channels, by two authors, one hidden, one old."""
    other_room = chatroom_create(creator=make_user("elsewhere"), name="Elsewhere")
    other_owner = Participant.objects.select_related("chatroom").get(chatroom=other_room)
    return {
        "hello": post(member_participant, "hello world"),
        "secret": post(owner_participant, "secret plans", channel=private_channel),
        "hidden": message_hide(message=post(member_participant, "rude words"), actor=None, reason="rude"),
        "old": post(owner_participant, "ancient history"),
        "elsewhere": post(other_owner, "hello from elsewhere"),
        "room": chatroom,
        "other_room": other_room,
        "channel": private_channel,
    }


def test_message_search_by_text_and_author(admin_client, messages_setup):
    assert set(listed(admin_client, Message, q="hello")) == {messages_setup["hello"], messages_setup["elsewhere"]}
    by_author = listed(admin_client, Message, q="member")
    assert set(by_author) == {messages_setup["hello"], messages_setup["hidden"]}


def test_message_filters(admin_client, messages_setup):
    room, channel = messages_setup["room"], messages_setup["channel"]
    Message.objects.filter(pk=messages_setup["old"].pk).update(sent_at=timezone.now() - timedelta(days=40))

    in_room = listed(admin_client, Message, chatroom__id__exact=room.pk)
    assert messages_setup["elsewhere"] not in in_room and messages_setup["hello"] in in_room
    assert listed(admin_client, Message, chatroom__id__exact=room.pk, channel=channel.pk) == [messages_setup["secret"]]
    assert listed(admin_client, Message, channel=channel.pk) == [messages_setup["secret"]]
    assert listed(admin_client, Message, hidden="yes") == [messages_setup["hidden"]]
    assert messages_setup["hidden"] not in listed(admin_client, Message, hidden="no")
    system = listed(admin_client, Message, kind__exact="system")
    assert system and all(message.kind == Message.Kind.SYSTEM for message in system)
    today = midnight()
    recent = listed(
        admin_client, Message, sent_at__gte=str(today - timedelta(days=7)), sent_at__lt=str(today + timedelta(days=1))
    )
    assert messages_setup["hello"] in recent and messages_setup["old"] not in recent


def test_message_channel_filter_offers_the_chosen_chatrooms_channels(admin_client, messages_setup):
    response = admin_client.get(changelist_url(Message), {"chatroom__id__exact": messages_setup["room"].pk})
    spec = next(spec for spec in response.context["cl"].filter_specs if spec.title == "channel")
    assert {label for _value, label in spec.lookup_choices} == {"#default", "#staff"}
    assert admin_client.get(changelist_url(Message), {"channel": "not-a-uuid"}).status_code == 302


def test_message_list_is_newest_first(admin_client, messages_setup):
    shown = listed(admin_client, Message, chatroom__id__exact=messages_setup["room"].pk)
    assert [message.sent_at for message in shown] == sorted((message.sent_at for message in shown), reverse=True)


def test_hide_asks_for_a_reason_refuses_an_empty_one_and_logs_the_operator(
    admin_client, admin_user, member_participant
):
    spam, more = post(member_participant, "buy cheap tea"), post(member_participant, "really cheap")

    page = run_action(admin_client, Message, "hide_messages", [spam, more])
    assert page.status_code == 200 and b"Reason" in page.content
    assert Message.objects.filter(hidden_at__isnull=False).count() == 0

    form = form_holding(page, "reason")
    form["reason"] = ["   "]
    refused = admin_client.post(changelist_url(Message), form)
    assert refused.status_code == 200 and refused.context["form"].errors
    assert Message.objects.filter(hidden_at__isnull=False).count() == 0

    form["reason"] = ["advertising"]
    done = admin_client.post(changelist_url(Message), form)
    assert done.status_code == 302
    for message in (spam, more):
        message.refresh_from_db()
        assert message.hidden_by == admin_user and message.hidden_reason == "advertising"
    logs = ModerationLog.objects.filter(action="hide")
    assert {log.target for log in logs} == {f"message {spam.pk}", f"message {more.pk}"}
    assert {(log.actor, log.reason, log.chatroom) for log in logs} == {
        (admin_user, "advertising", member_participant.chatroom)
    }


def test_hide_all_matching_the_filter(admin_client, admin_user, messages_setup):
    room = messages_setup["room"]
    query = f"?chatroom__id__exact={room.pk}"
    page = admin_client.post(
        changelist_url(Message) + query,
        {
            "action": "hide_messages",
            "index": "0",
            "select_across": "1",
            "_selected_action": [messages_setup["hello"].pk],
        },
    )
    form = form_holding(page, "reason")
    assert form["select_across"] == ["1"]
    form["reason"] = ["clean-up"]
    assert admin_client.post(changelist_url(Message) + query, form).status_code == 302
    assert not Message.objects.filter(chatroom=room, hidden_at__isnull=True).exists()
    assert Message.objects.get(pk=messages_setup["elsewhere"].pk).hidden_at is None
    # The one hidden before keeps its reason; every other message of the chatroom was hidden now.
    assert ModerationLog.objects.filter(action="hide", actor=admin_user).count() == (
        Message.objects.filter(chatroom=room).count() - 1
    )


def test_unhide_goes_through_the_service(admin_client, admin_user, member_participant):
    message = message_hide(message=post(member_participant, "oops"), actor=None, reason="mistake")
    assert run_action(admin_client, Message, "unhide_messages", [message]).status_code == 302
    message.refresh_from_db()
    assert message.hidden_at is None and message.hidden_reason == ""
    assert log_of("unhide").actor == admin_user


def test_hide_button_on_the_message_page_leads_to_the_reason_page(admin_client, member_participant):
    message = post(member_participant, "look at me")
    page = admin_client.get(change_url(message))
    form = form_holding(page, "_selected_action")
    assert form["action"] == ["hide_messages"]
    reason_page = admin_client.post(changelist_url(Message), form)
    assert reason_page.status_code == 200 and "reason" in reason_page.context["form"].fields


def test_messages_cannot_be_edited_added_or_deleted(admin_client, member_participant):
    message = post(member_participant, "original words")
    response = admin_client.post(change_url(message), {"text": "rewritten", "body": "rewritten"})
    assert response.status_code == 403
    assert admin_client.post(reverse("admin:chat_message_delete", args=[message.pk]), {"post": "yes"}).status_code == (
        403
    )
    message.refresh_from_db()
    assert message.text == "original words"
    page = admin_client.get(change_url(message))
    assert b'name="text"' not in page.content and b'name="body"' not in page.content


def _message_list_queries(client, room) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        for params in ({}, {"chatroom__id__exact": room.pk}, {"q": "message"}):
            response = client.get(changelist_url(Message), params)
            assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_message_list_runs_a_fixed_number_of_queries_and_never_counts_the_whole_table(
    admin_client, chatroom, owner_participant, member_participant, private_channel
):
    admin_client.get(changelist_url(Message))  # the session and the content types are warm from here on
    for number in range(5):
        post(member_participant if number % 2 else owner_participant, f"message {number}")
    few = _message_list_queries(admin_client, chatroom)
    for number in range(5, 50):
        post(owner_participant, f"message {number}", channel=private_channel if number % 3 else None)
    many = _message_list_queries(admin_client, chatroom)

    assert len(few) == len(many)
    counts = [sql for sql in many if "COUNT(" in sql.upper() and "chat_message" in sql]
    assert counts and all("LIMIT" in sql.upper() for sql in counts)


def test_paginator_caps_the_count(admin_client, monkeypatch, chatroom, member_participant):
    monkeypatch.setattr(CheapCountPaginator, "cap", 3)
    for number in range(5):
        post(member_participant, f"message {number}")
    response = admin_client.get(changelist_url(Message), {"chatroom__id__exact": chatroom.pk})
    cl = response.context["cl"]
    assert cl.result_count == 3 and cl.paginator.count_is_capped
    assert b"more than 3" in response.content


def test_paginator_uses_the_planner_estimate_on_an_unfiltered_postgresql_table(
    is_postgres, monkeypatch, chatroom, member_participant
):
    if not is_postgres:
        pytest.skip("the estimate comes from PostgreSQL's pg_class")
    monkeypatch.setattr(CheapCountPaginator, "cap", 3)
    for number in range(6):
        post(member_participant, f"message {number}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE chat_message")
    paginator = CheapCountPaginator(Message.objects.order_by("-sent_at"), 2)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 7
    assert paginator.count_is_estimate
    assert not any("COUNT(" in query["sql"].upper() for query in queries.captured_queries)


# ------------------------------------------------------------------------------------------------------------------
# Participants
# ------------------------------------------------------------------------------------------------------------------


def test_participant_list_search_and_filters(admin_client, make_user, chatroom, member_participant, owner_participant):
    rows = listed(admin_client, Participant, q="member")
    assert rows == [member_participant]
    assert listed(admin_client, Participant, role__exact="owner") == [owner_participant]
    participant_ban(participant=member_participant, actor=None, reason="test")
    assert listed(admin_client, Participant, state__exact="banned") == [member_participant]
    other = chatroom_create(creator=make_user("y"), name="Other")
    assert chatroom.pk not in {p.chatroom_id for p in listed(admin_client, Participant, chatroom__id__exact=other.pk)}


def test_ban_asks_for_a_reason_and_logs_the_operator(admin_client, admin_user, member, member_participant):
    page = run_action(admin_client, Participant, "ban", [member_participant])
    form = form_holding(page, "reason")
    form["reason"] = [""]
    assert admin_client.post(changelist_url(Participant), form).status_code == 200
    member_participant.refresh_from_db()
    assert member_participant.state == Participant.State.ACTIVE

    _raw, token = token_issue(user=member, chatroom=member_participant.chatroom)
    form["reason"] = ["flooding"]
    assert admin_client.post(changelist_url(Participant), form).status_code == 302
    member_participant.refresh_from_db()
    assert member_participant.state == Participant.State.BANNED
    token.refresh_from_db()
    assert token.revoked_at is not None  # the service's rule, so the admin took the service's path
    log = log_of("ban")
    assert (log.actor, log.reason, log.chatroom) == (admin_user, "flooding", member_participant.chatroom)


def test_unban(admin_client, admin_user, member_participant):
    participant_ban(participant=member_participant, actor=None, reason="test")
    assert run_action(admin_client, Participant, "unban", [member_participant]).status_code == 302
    member_participant.refresh_from_db()
    assert member_participant.state == Participant.State.ACTIVE
    assert log_of("unban").actor == admin_user


def test_role_actions(admin_client, admin_user, owner_participant, member_participant):
    run_action(admin_client, Participant, "make_admin", [member_participant])
    member_participant.refresh_from_db()
    assert member_participant.role == Participant.Role.ADMIN
    assert log_of("role:admin").actor == admin_user

    run_action(admin_client, Participant, "make_member", [member_participant])
    member_participant.refresh_from_db()
    assert member_participant.role == Participant.Role.MEMBER
    assert log_of("role:member").actor == admin_user

    run_action(admin_client, Participant, "make_owner", [member_participant])
    member_participant.refresh_from_db()
    owner_participant.refresh_from_db()
    assert (member_participant.role, owner_participant.role) == (Participant.Role.OWNER, Participant.Role.ADMIN)
    assert log_of("role:owner").actor == admin_user


def test_make_owner_takes_exactly_one(admin_client, owner_participant, member_participant, admin_member):
    admin_participant = Participant.objects.get(user=admin_member)
    response = run_action(admin_client, Participant, "make_owner", [member_participant, admin_participant])
    assert response.status_code == 302
    owner_participant.refresh_from_db()
    assert owner_participant.role == Participant.Role.OWNER
    assert not ModerationLog.objects.filter(action="role:owner").exists()


def test_a_refused_role_change_is_reported_not_raised(admin_client, owner_participant):
    response = run_action(admin_client, Participant, "make_member", [owner_participant])
    assert response.status_code == 302
    owner_participant.refresh_from_db()
    assert owner_participant.role == Participant.Role.OWNER
    shown = [str(message) for message in admin_client.get(response["Location"]).context["messages"]]
    assert any("someone else the owner" in message for message in shown)


def test_role_and_state_cannot_be_edited_in_the_form(admin_client, member_participant):
    response = admin_client.post(change_url(member_participant), {"role": "owner", "state": "banned"})
    assert response.status_code == 403
    member_participant.refresh_from_db()
    assert (member_participant.role, member_participant.state) == (Participant.Role.MEMBER, Participant.State.ACTIVE)


def test_participant_added_and_removed_through_the_services(admin_client, admin_user, make_user, chatroom):
    newcomer = make_user("newcomer")
    response = admin_client.post(reverse("admin:chat_participant_add"), {"chatroom": chatroom.pk, "user": newcomer.pk})
    assert response.status_code == 302
    participant = Participant.objects.get(chatroom=chatroom, user=newcomer)
    assert (participant.role, participant.invited_by) == (Participant.Role.MEMBER, admin_user)

    delete_url = reverse("admin:chat_participant_delete", args=[participant.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 302
    assert not Participant.objects.filter(pk=participant.pk).exists()
    assert log_of("remove").actor == admin_user


def test_removing_the_owner_in_the_admin_passes_ownership_on(admin_client, owner_participant, member_participant):
    delete_url = reverse("admin:chat_participant_delete", args=[owner_participant.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 302
    member_participant.refresh_from_db()
    assert member_participant.role == Participant.Role.OWNER


# ------------------------------------------------------------------------------------------------------------------
# Channels and grants
# ------------------------------------------------------------------------------------------------------------------


def _grant_form(admin_client, channel: Channel) -> dict[str, list[str]]:
    return form_holding(admin_client.get(change_url(channel)), "grants-TOTAL_FORMS")


def test_grants_are_set_changed_and_cleared_through_the_services(admin_client, admin_user, member, private_channel):
    form = _grant_form(admin_client, private_channel)
    form.update({"grants-TOTAL_FORMS": ["1"], "grants-0-user": [str(member.pk)], "grants-0-r": ["on"]})
    form["grants-0-w"] = ["on"]
    form["grants-0-channel"] = [str(private_channel.pk)]
    assert admin_client.post(change_url(private_channel), form).status_code == 302
    grant = ChannelGrant.objects.get(channel=private_channel, user=member)
    assert (grant.r, grant.w, grant.x, grant.granted_by) == (True, True, False, admin_user)
    assert log_of("grant:rw-").actor == admin_user

    form = _grant_form(admin_client, private_channel)
    form["grants-0-x"] = ["on"]
    assert admin_client.post(change_url(private_channel), form).status_code == 302
    grant.refresh_from_db()
    assert grant.x
    assert log_of("grant:rwx").actor == admin_user

    form = _grant_form(admin_client, private_channel)
    form["grants-0-DELETE"] = ["on"]
    assert admin_client.post(change_url(private_channel), form).status_code == 302
    assert not ChannelGrant.objects.filter(channel=private_channel).exists()
    assert log_of("grant:clear").actor == admin_user


def test_channel_created_in_the_admin(admin_client, chatroom):
    response = admin_client.post(
        reverse("admin:chat_channel_add"), {"chatroom": chatroom.pk, "name": "announcements", "public": ""}
    )
    assert response.status_code == 302
    channel = Channel.objects.get(chatroom=chatroom, name="announcements")
    assert not channel.public and not channel.is_default
    duplicate = admin_client.post(reverse("admin:chat_channel_add"), {"chatroom": chatroom.pk, "name": "default"})
    assert duplicate.status_code == 200 and duplicate.context["errors"]


def test_channel_list_search(admin_client, chatroom, private_channel):
    assert listed(admin_client, Channel, q="staff") == [private_channel]


# ------------------------------------------------------------------------------------------------------------------
# Users and tokens
# ------------------------------------------------------------------------------------------------------------------


def test_user_add_form_works_with_the_custom_user(admin_client):
    response = admin_client.post(
        reverse("admin:chat_user_add"),
        {
            "username": "newperson",
            "display_name": "New Person",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newperson")
    assert user.display_name == "New Person" and user.check_password(PASSWORD)
    again = admin_client.post(
        reverse("admin:chat_user_add"),
        {"username": "NEWPERSON", "usable_password": "true", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert again.status_code == 200 and "username" in again.context["adminform"].form.errors


def test_user_profile_edited_in_the_admin(admin_client, member):
    page = admin_client.get(change_url(member))
    assert b"display_name" in page.content and b"color_r" in page.content and b"avatar" in page.content
    form = form_holding(page, "display_name")
    form.update({"display_name": ["Member M."], "color_r": ["10"], "color_g": ["20"], "color_b": ["30"]})
    form.pop("avatar", None)
    assert admin_client.post(change_url(member), form).status_code == 302
    member.refresh_from_db()
    assert (member.display_name, member.color_r, member.color_g, member.color_b) == ("Member M.", 10, 20, 30)
    assert listed(admin_client, User, q="Member M.") == [member]


def test_deleting_a_user_passes_their_chatrooms_ownership_on(admin_client, owner, chatroom, member_participant):
    delete_url = reverse("admin:chat_user_delete", args=[owner.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 302
    assert not User.objects.filter(pk=owner.pk).exists()
    member_participant.refresh_from_db()
    assert member_participant.role == Participant.Role.OWNER


def test_issuing_a_token_shows_it_once_and_stores_only_its_hash(admin_client, admin_user, member):
    response = admin_client.post(
        reverse("admin:chat_authtoken_add"), {"user": member.pk, "name": "deploy script", "days": "7"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = re.search(rb'id="raw-token" readonly size="60" value="([^"]+)"', response.content).group(1).decode()
    token = AuthToken.objects.get(user=member)
    assert token.key_hash == token_hash(raw) and raw not in token.key_hash
    assert token.name == "deploy script" and token.chatroom is None
    assert timedelta(days=6, hours=23) < token.expires_at - timezone.now() <= timedelta(days=7)
    assert log_of("issue token").actor == admin_user

    # Shown once: neither the list nor the token's page shows the raw value or the hash.
    for page in (admin_client.get(changelist_url(AuthToken)), admin_client.get(change_url(token))):
        assert raw.encode() not in page.content and token.key_hash.encode() not in page.content
    # The token works as a bearer token.
    from chat.services.tokens import token_check

    assert token_check(raw=raw).user == member


def test_tokens_cannot_be_edited(admin_client, member):
    _raw, token = token_issue(user=member)
    response = admin_client.post(change_url(token), {"name": "x", "expires_at": "2099-01-01 00:00:00"})
    assert response.status_code == 403
    token.refresh_from_db()
    assert token.name == "" and token.expires_at.year != 2099


def test_bulk_token_revocation_logs_the_operator(admin_client, admin_user, member, owner):
    tokens = [token_issue(user=member)[1], token_issue(user=owner)[1]]
    assert run_action(admin_client, AuthToken, "revoke_tokens", tokens).status_code == 302
    assert AuthToken.objects.filter(revoked_at__isnull=True).count() == 0
    logs = ModerationLog.objects.filter(action="revoke token")
    assert logs.count() == 2 and {log.actor for log in logs} == {admin_user}
    assert listed(admin_client, AuthToken, state="revoked") == sorted(tokens, key=lambda t: t.created_at, reverse=True)
    assert listed(admin_client, AuthToken, state="valid") == []


# ------------------------------------------------------------------------------------------------------------------
# The trail
# ------------------------------------------------------------------------------------------------------------------


def test_moderation_log_is_read_only(admin_client, admin_user, member_participant):
    participant_ban(participant=member_participant, actor=admin_user, reason="spam")
    log = log_of("ban")
    assert admin_client.get(reverse("admin:chat_moderationlog_add")).status_code == 403
    assert admin_client.post(change_url(log), {"reason": "nothing happened"}).status_code == 403
    delete_url = reverse("admin:chat_moderationlog_delete", args=[log.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    log.refresh_from_db()
    assert log.reason == "spam"
    # No action at all is offered: asking for deletion anyway just shows the list again.
    assert run_action(admin_client, ModerationLog, "delete_selected", [log]).status_code == 200
    assert ModerationLog.objects.filter(pk=log.pk).exists()


def test_moderation_log_filters(admin_client, admin_user, make_user, member_participant):
    participant_ban(participant=member_participant, actor=admin_user, reason="spam")
    other = chatroom_create(creator=make_user("z"), name="Other room")
    stranger = make_user("stranger")
    participant_add(chatroom=other, user=stranger)
    participant_ban(participant=Participant.objects.get(user=stranger), actor=admin_user, reason="elsewhere")
    grant_set(channel=Channel.objects.get(chatroom=other), user=stranger, r=True, w=False, x=False, actor=admin_user)

    assert {log.reason for log in listed(admin_client, ModerationLog, action="ban")} == {"spam", "elsewhere"}
    in_other = listed(admin_client, ModerationLog, chatroom__id__exact=other.pk)
    assert {log.action for log in in_other} == {"ban", "grant:r--"}
    assert [log.reason for log in listed(admin_client, ModerationLog, q="stranger", action="ban")] == ["elsewhere"]


def test_chatroom_filter_lists_a_few_chatrooms_and_always_the_chosen_one(
    admin_client, monkeypatch, make_user, chatroom, member_participant
):
    monkeypatch.setattr(ChatroomFilter, "shown", 1)
    late = chatroom_create(creator=make_user("zed"), name="Zzz room")
    response = admin_client.get(changelist_url(Message), {"chatroom__id__exact": late.pk})
    spec = next(spec for spec in response.context["cl"].filter_specs if spec.title == "chatroom")
    assert [label for _value, label in spec.lookup_choices] == ["Zzz room", "Tea room"]
    assert {message.chatroom_id for message in response.context["cl"].result_list} == {late.pk}
    assert admin_client.get(changelist_url(Message), {"chatroom__id__exact": "nope"}).status_code == 302


def test_chatroom_list_sorts_by_its_counts(admin_client, make_user, chatroom, member_participant):
    for text in ("one", "two"):
        post(member_participant, text)
    quiet = chatroom_create(creator=make_user("quiet"), name="A quiet room")
    columns = admin_client.get(changelist_url(Chatroom)).context["cl"].list_display
    by_messages = listed(admin_client, Chatroom, o=f"-{list(columns).index('message_count')}")
    assert by_messages == [chatroom, quiet]
    by_people = listed(admin_client, Chatroom, o=str(list(columns).index("participant_count")))
    assert by_people == [quiet, chatroom]


def test_ban_from_the_participant_page_leads_to_the_reason_page(admin_client, member_participant):
    form = form_holding(admin_client.get(change_url(member_participant)), "_selected_action")
    assert form["action"] == ["ban"]
    reason_page = admin_client.post(changelist_url(Participant), form)
    assert reason_page.status_code == 200 and "reason" in reason_page.context["form"].fields


def test_staff_without_the_change_permission_cannot_moderate(client, make_user, member_participant):
    from django.contrib.auth.models import Permission

    viewer = make_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_message"))
    client.force_login(viewer)
    message = post(member_participant, "keep me")
    page = client.get(changelist_url(Message))
    assert message in page.context["cl"].result_list and b"hide_messages" not in page.content
    run_action(client, Message, "hide_messages", [message])
    message.refresh_from_db()
    assert message.hidden_at is None
    assert not ModerationLog.objects.exists()


def test_moderation_buttons_only_for_moderators(client, make_user, member_participant):
    from django.contrib.auth.models import Permission

    viewer = make_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_message"))
    client.force_login(viewer)
    message = post(member_participant, "look")
    page = client.get(change_url(message))
    assert page.status_code == 200 and b"hide_messages" not in page.content


def test_chatroom_list_caps_the_message_count(admin_client, monkeypatch, chatroom, member_participant):
    monkeypatch.setattr("chat.admin.MESSAGE_COUNT_CAP", 2)
    for text in ("one", "two", "three"):
        post(member_participant, text)
    response = admin_client.get(changelist_url(Chatroom))
    assert response.context["cl"].result_list[0].message_count == 3
    assert b">2+</a>" in response.content

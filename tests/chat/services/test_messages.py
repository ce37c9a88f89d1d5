"""Posting messages (idempotent by id, sanitised once, size-limited) and hiding them."""

import uuid

import pytest

from chat.exceptions import Conflict, Forbidden, Invalid, NotFound, TooLarge
from chat.models import Message, ModerationLog, Participant
from chat.selectors.messages import message_page
from chat.services.chatrooms import channel_create, chatroom_create, grant_set
from chat.services.messages import message_hide, message_post, message_unhide
from chat.services.participants import participant_ban
from chat.text import ENCRYPTED_PLACEHOLDER_HTML
from tests.access import access_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(chatroom, member) -> Participant:
    return Participant.objects.get(chatroom=chatroom, user=member)


@pytest.fixture
def channel_id(chatroom):
    return chatroom.channels.get(is_default=True).pk


def post(participant: Participant, channel_id, body="hello", **kwargs):
    return message_post(access=access_of(participant), channel_id=channel_id, body=body, **kwargs)


def user_messages():
    return Message.objects.filter(kind=Message.Kind.TEXT)


def test_message_post_stores_plain_text(me, channel_id):
    message, created = post(me, channel_id, "Hi <there> & you\nsecond line")
    assert created
    stored = Message.objects.get(pk=message.pk)
    assert (stored.author, stored.chatroom_id, stored.channel_id) == (me.user, me.chatroom_id, channel_id)
    assert (stored.kind, stored.format, stored.key_id) == ("text", "plain", "")
    assert stored.body == stored.text == "Hi <there> & you\nsecond line"
    assert stored.html == "<p>Hi &lt;there&gt; &amp; you<br>second line</p>"


def test_message_post_sanitises_html_once_and_derives_text(me, channel_id):
    body = '<p>Hello <b>world</b><script>alert(1)</script><img src=x onerror="alert(2)"></p><p>again</p>'
    message, _ = post(me, channel_id, body, fmt=Message.Format.HTML)
    stored = Message.objects.get(pk=message.pk)
    assert stored.body == body
    assert stored.html == "<p>Hello <b>world</b></p><p>again</p>"
    assert stored.text == "Hello world\nagain"


@pytest.mark.parametrize("body", ["<p></p>", "<script>alert(1)</script>", "<p> <br> </p>", "<img src=x>"])
def test_html_empty_after_sanitising_is_invalid(me, channel_id, body):
    with pytest.raises(Invalid) as error:
        post(me, channel_id, body, fmt=Message.Format.HTML)
    assert error.value.code == "empty_message"
    assert not user_messages().exists()


def test_html_empty_after_sanitising_passes_with_a_mention(me, channel_id, owner):
    message, _ = post(me, channel_id, "<p></p>", fmt=Message.Format.HTML, mention_ids=[owner.pk])
    assert list(Message.objects.get(pk=message.pk).mentions.all()) == [owner]


@pytest.mark.parametrize("body", ["", None, 42, b"bytes", "nul\x00byte", "lone \ud800 surrogate"])
def test_bad_bodies_are_invalid(me, channel_id, body):
    with pytest.raises(Invalid):
        post(me, channel_id, body)
    assert not user_messages().exists()


def test_unknown_format_is_invalid(me, channel_id):
    with pytest.raises(Invalid):
        post(me, channel_id, "hi", fmt="markdown")
    with pytest.raises(Invalid):
        post(me, channel_id, "hi", fmt="markdown", message_id=uuid.uuid4())
    assert not user_messages().exists()


def test_size_limit_counts_utf8_bytes(me, channel_id, settings):
    settings.CHAT_MESSAGE_MAX_BYTES = 12
    four_euros = "€" * 4  # 3 bytes each in UTF-8: 12 bytes, 4 characters
    assert post(me, channel_id, four_euros)[1]
    with pytest.raises(TooLarge):
        post(me, channel_id, four_euros + "a")
    with pytest.raises(TooLarge):
        post(me, channel_id, "é" * 6 + "a")  # 13 bytes, 7 characters
    assert user_messages().count() == 1


def test_default_size_limit(me, channel_id, settings):
    assert settings.CHAT_MESSAGE_MAX_BYTES == 64 * 1024
    assert post(me, channel_id, "x" * settings.CHAT_MESSAGE_MAX_BYTES)[1]
    with pytest.raises(TooLarge):
        post(me, channel_id, "x" * (settings.CHAT_MESSAGE_MAX_BYTES - 1) + "ß")


def test_key_id_is_stored_with_a_placeholder_html(me, channel_id):
    message, _ = post(me, channel_id, "b64:opaque ciphertext", key_id="key-1")
    stored = Message.objects.get(pk=message.pk)
    assert (stored.key_id, stored.text, stored.html) == ("key-1", "b64:opaque ciphertext", ENCRYPTED_PLACEHOLDER_HTML)
    for bad in ("k" * 65, 7, "nul\x00"):
        with pytest.raises(Invalid):
            post(me, channel_id, "x", key_id=bad)


def test_same_id_same_content_answers_the_stored_message(me, channel_id, owner, django_assert_max_num_queries):
    message_id = uuid.uuid4()
    first, created = post(me, channel_id, "once", message_id=message_id, mention_ids=[owner.pk])
    assert created and first.pk == message_id
    second, created = post(me, channel_id, "once", message_id=message_id, mention_ids=[owner.pk])
    assert not created and second.pk == message_id and second.sent_at == first.sent_at
    assert user_messages().count() == 1


@pytest.mark.parametrize(
    "change",
    [
        {"body": "other text"},
        {"mention_ids": []},
        {"key_id": "key-2"},
        {"fmt": Message.Format.HTML},
        {"channel": "other"},
    ],
)
def test_same_id_different_content_conflicts(me, channel_id, owner, chatroom, change):
    message_id = uuid.uuid4()
    post(me, channel_id, "once", message_id=message_id, mention_ids=[owner.pk])
    kwargs = {"body": "once", "mention_ids": [owner.pk], "message_id": message_id}
    kwargs.update(change)
    target = channel_id
    if kwargs.pop("channel", None):
        target = channel_create(chatroom=chatroom, name="other").pk
    with pytest.raises(Conflict):
        post(me, target, **kwargs)
    assert Message.objects.get(pk=message_id).text == "once"


def test_id_of_another_authors_message_conflicts(me, channel_id, chatroom, owner):
    owners = Participant.objects.get(chatroom=chatroom, user=owner)
    message_id = uuid.uuid4()
    post(owners, channel_id, "mine", message_id=message_id)
    with pytest.raises(Conflict):
        post(me, channel_id, "mine", message_id=message_id)
    assert Message.objects.get(pk=message_id).author == owner


def test_id_of_a_message_in_another_chatroom_conflicts(me, channel_id, member):
    elsewhere = chatroom_create(creator=member, name="Elsewhere")
    there = Participant.objects.get(chatroom=elsewhere, user=member)
    message_id = uuid.uuid4()
    post(there, elsewhere.channels.get().pk, "hi", message_id=message_id)
    with pytest.raises(Conflict):
        post(me, channel_id, "hi", message_id=message_id)


def test_mentions_must_be_active_participants(me, channel_id, chatroom, owner, outsider, make_user):
    banned = make_user("banned")
    from chat.services.participants import participant_add

    participant_add(chatroom=chatroom, user=banned)
    participant_ban(participant=Participant.objects.get(chatroom=chatroom, user=banned), actor=owner)
    for user in (outsider, banned):
        with pytest.raises(Invalid) as error:
            post(me, channel_id, "hey", mention_ids=[owner.pk, user.pk])
        assert error.value.code == "invalid_mention"
    with pytest.raises(Invalid):
        post(me, channel_id, "hey", mention_ids=[uuid.uuid4()])
    message, _ = post(me, channel_id, "hey", mention_ids=[owner.pk, me.user_id, owner.pk])
    assert set(Message.objects.get(pk=message.pk).mentions.values_list("pk", flat=True)) == {owner.pk, me.user_id}


def test_reply_must_name_a_readable_message_of_the_same_chatroom(me, channel_id, chatroom, owner, member):
    owners = Participant.objects.get(chatroom=chatroom, user=owner)
    staff = channel_create(chatroom=chatroom, name="staff", public=False)
    hidden_from_me, _ = post(owners, staff.pk, "staff only")
    moderated, _ = post(owners, channel_id, "rude")
    message_hide(message=moderated, actor=owner, reason="rude")
    elsewhere = chatroom_create(creator=member, name="Elsewhere")
    foreign, _ = post(Participant.objects.get(chatroom=elsewhere, user=member), elsewhere.channels.get().pk, "there")
    for reply_to_id in (hidden_from_me.pk, moderated.pk, foreign.pk, uuid.uuid4()):
        with pytest.raises(Invalid) as error:
            post(me, channel_id, "re", reply_to_id=reply_to_id)
        assert error.value.code == "invalid_reply"
    original, _ = post(owners, channel_id, "question")
    reply, _ = post(me, channel_id, "answer", reply_to_id=original.pk)
    assert Message.objects.get(pk=reply.pk).reply_to_id == original.pk


def test_posting_needs_w(me, channel_id, chatroom, owner, member):
    grant_set(channel=chatroom.channels.get(pk=channel_id), user=member, r=True, w=False, x=False, actor=owner)
    with pytest.raises(Forbidden):
        post(me, channel_id, "muted")
    staff = channel_create(chatroom=chatroom, name="staff", public=False)
    with pytest.raises(NotFound):
        post(me, staff.pk, "let me in")
    with pytest.raises(NotFound):
        post(me, uuid.uuid4(), "nowhere")
    assert not user_messages().exists()


def test_the_message_id_given_is_kept(me, channel_id):
    message, _ = post(me, channel_id, "hi", message_id=uuid.UUID(int=7))
    assert message.pk == uuid.UUID(int=7) and Message.objects.filter(pk=uuid.UUID(int=7), body="hi").exists()


def test_hide_and_unhide_leave_a_trail_and_steer_message_page(me, channel_id, chatroom, owner):
    message, _ = post(me, channel_id, "rude")

    def visible() -> list[str]:
        return [row["text"] for row in message_page(access=access_of(me), limit=10, keep="newest")]

    assert visible() == ["Welcome owner!", "rude"]
    message_hide(message=message, actor=owner, reason="  insulting  ")
    stored = Message.objects.get(pk=message.pk)
    assert (stored.hidden_by, stored.hidden_reason) == (owner, "insulting") and stored.hidden_at is not None
    assert visible() == ["Welcome owner!"]
    message_unhide(message=message, actor=owner)
    stored = Message.objects.get(pk=message.pk)
    assert (stored.hidden_at, stored.hidden_by, stored.hidden_reason) == (None, None, "")
    assert visible() == ["Welcome owner!", "rude"]
    trail = list(ModerationLog.objects.order_by("pk").values_list("actor", "action", "target", "reason", "chatroom"))
    assert trail == [
        (owner.pk, "hide", f"message {message.pk}", "insulting", chatroom.pk),
        (owner.pk, "unhide", f"message {message.pk}", "", chatroom.pk),
    ]


def test_a_retry_answers_the_stored_message_even_when_its_checks_would_now_fail(me, channel_id, chatroom, owner):
    # The first send was stored but its answer was lost; meanwhile the replied-to message was hidden
    # and the mentioned user left. The retry must still answer the stored message, not 400.
    from chat.services.participants import participant_add, participant_remove

    owners = Participant.objects.get(chatroom=chatroom, user=owner)
    question, _ = post(owners, channel_id, "question")
    friend = participant_add(chatroom=chatroom, user=type(owner).objects.create_user(username="friend"))[0]
    message_id = uuid.uuid4()
    kwargs = {"message_id": message_id, "reply_to_id": question.pk, "mention_ids": [friend.user_id]}
    post(me, channel_id, "answer", **kwargs)
    message_hide(message=question, actor=owner, reason="")
    participant_remove(participant=friend, actor=friend.user)
    again, created = post(me, channel_id, "answer", **kwargs)
    assert (again.pk, created) == (message_id, False)
    assert user_messages().count() == 2

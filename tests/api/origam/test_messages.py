"""GET and POST chatrooms/{id}/messages: pages, anchors, limits, idempotent posting, sanitising, both protocols."""

import uuid
from datetime import datetime

import pytest
from django.db import connection

from chat.access import chatroom_access
from chat.models import ChannelGrant, Message
from chat.services.chatrooms import channel_create, chatroom_create, default_channel, grant_set
from chat.services.messages import message_hide, message_post
from tests.access import access_of
from tests.api.origam.helpers import participant_of, post_messages, room_url
from tests.db import wake_statements


def texts(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [message["text"] for message in response.json()]


@pytest.fixture
def history(chatroom, owner) -> list[Message]:
    """The welcome message and ten more, one second apart."""
    welcome = Message.objects.get(chatroom=chatroom)
    return [welcome, *post_messages(chatroom, owner, 10)]


def test_messages_are_ascending_with_the_origam_shape(bearer, owner, chatroom, history):
    owner.display_name = "The Owner"
    owner.save()
    response = bearer(owner).get(room_url(chatroom, "messages"))
    assert texts(response) == [message.html for message in history]
    first, second = response.json()[:2]
    assert first == {
        "id": str(history[0].pk),
        "authorId": "00000000-0000-0000-0000-000000000000",
        "authorName": "System",
        "authorAvatarUrl": "00000000-0000-0000-0000-000000000000",
        "timeSent": first["timeSent"],
        "text": "<p>Welcome owner!</p>",
        "mentions": [],
    }
    assert second["authorId"] == second["authorAvatarUrl"] == str(owner.pk)
    assert second["authorName"] == "The Owner"
    assert second["text"] == "<p>message 0</p>"
    sent = datetime.fromisoformat(second["timeSent"])
    assert sent.utcoffset() is not None and sent == history[1].sent_at
    assert second["timeSent"].endswith("+00:00")


def test_author_without_display_name_shows_username(bearer, owner, member, chatroom):
    post_messages(chatroom, member, 1)
    assert bearer(owner).get(room_url(chatroom, "messages")).json()[-1]["authorName"] == "member"


def test_message_of_a_deleted_author_does_not_pass_for_the_system(bearer, owner, member, chatroom):
    post_messages(chatroom, member, 1, prefix="from member")
    member.delete()
    last = bearer(owner).get(room_url(chatroom, "messages")).json()[-1]
    assert last["text"] == "<p>from member 0</p>"
    assert last["authorName"] == "Deleted user"


def test_after_id_including_gives_it_and_every_newer(bearer, owner, chatroom, history):
    response = bearer(owner).get(room_url(chatroom, "messages"), {"afterIdIncluding": str(history[7].pk)})
    assert texts(response) == [message.html for message in history[7:]]


def test_before_id_including_gives_it_and_every_older(bearer, owner, chatroom, history):
    response = bearer(owner).get(room_url(chatroom, "messages"), {"beforeIdIncluding": str(history[3].pk)})
    assert texts(response) == [message.html for message in history[:4]]


def test_both_anchors_give_the_range_between_inclusive(bearer, owner, chatroom, history):
    query = {"afterIdIncluding": str(history[2].pk), "beforeIdIncluding": str(history[5].pk), "limit": "100"}
    assert texts(bearer(owner).get(room_url(chatroom, "messages"), query)) == [m.html for m in history[2:6]]
    query["limit"] = "2"
    assert texts(bearer(owner).get(room_url(chatroom, "messages"), query)) == [m.html for m in history[4:6]]


def test_anchors_accept_upper_case_guids(bearer, owner, chatroom, history):
    query = {"afterIdIncluding": str(history[9].pk).upper()}
    assert texts(bearer(owner).get(room_url(chatroom, "messages"), query)) == [m.html for m in history[9:]]


def test_limit_with_after_alone_keeps_the_oldest_so_paging_forward_has_no_gaps(bearer, owner, chatroom, history):
    client = bearer(owner)
    page = texts(client.get(room_url(chatroom, "messages"), {"afterIdIncluding": str(history[1].pk), "limit": 3}))
    assert page == [message.html for message in history[1:4]]
    page = texts(client.get(room_url(chatroom, "messages"), {"afterIdIncluding": str(history[3].pk), "limit": 3}))
    assert page == [message.html for message in history[3:6]]


def test_limit_otherwise_keeps_the_newest_ascending(bearer, owner, chatroom, history):
    client = bearer(owner)
    assert texts(client.get(room_url(chatroom, "messages"), {"limit": 3})) == [m.html for m in history[-3:]]
    query = {"beforeIdIncluding": str(history[6].pk), "limit": 2}
    assert texts(client.get(room_url(chatroom, "messages"), query)) == [m.html for m in history[5:7]]


def test_limit_defaults_and_is_cut_to_the_maximum(bearer, owner, chatroom, history, settings):
    settings.ORIGAM_MESSAGES_DEFAULT_LIMIT = 4
    settings.ORIGAM_MESSAGES_MAX_LIMIT = 6
    client = bearer(owner)
    assert texts(client.get(room_url(chatroom, "messages"))) == [m.html for m in history[-4:]]
    assert texts(client.get(room_url(chatroom, "messages"), {"limit": 10**30})) == [m.html for m in history[-6:]]
    assert texts(client.get(room_url(chatroom, "messages"), {"limit": ""})) == [m.html for m in history[-4:]]


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "0"},
        {"limit": "-5"},
        {"limit": "ten"},
        {"limit": "1.5"},
        {"limit": "9" * 2000},
        {"afterIdIncluding": "not-a-guid"},
        {"beforeIdIncluding": "1234"},
        {"afterIdIncluding": str(uuid.uuid4())},
    ],
)
def test_bad_parameters_are_400(bearer, owner, chatroom, history, query):
    for endpoint in ("messages", "polledData"):
        response = bearer(owner).get(room_url(chatroom, endpoint), query)
        assert response.status_code == 400, response.content
        assert set(response.json()) == {"detail", "code"}


def test_anchor_from_another_chatroom_is_400(bearer, owner, chatroom, history):
    elsewhere = chatroom_create(creator=owner, name="Elsewhere")
    foreign = Message.objects.get(chatroom=elsewhere)
    for parameter in ("afterIdIncluding", "beforeIdIncluding"):
        response = bearer(owner).get(room_url(chatroom, "messages"), {parameter: str(foreign.pk)})
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_anchor"


def test_hidden_message_is_never_returned_but_still_anchors(bearer, owner, chatroom, history):
    message_hide(message=history[5], actor=owner, reason="spam")
    client = bearer(owner)
    assert history[5].html not in texts(client.get(room_url(chatroom, "messages")))
    page = texts(client.get(room_url(chatroom, "messages"), {"afterIdIncluding": str(history[5].pk), "limit": 2}))
    assert page == [history[6].html, history[7].html]
    page = texts(client.get(room_url(chatroom, "messages"), {"beforeIdIncluding": str(history[5].pk), "limit": 2}))
    assert page == [history[3].html, history[4].html]


def test_only_the_default_channel_is_shown(bearer, owner, chatroom, history):
    side = channel_create(chatroom=chatroom, name="side")
    message_post(access=access_of(participant_of(owner, chatroom)), channel_id=side.pk, body="side talk")
    assert "<p>side talk</p>" not in texts(bearer(owner).get(room_url(chatroom, "messages")))


def test_participant_who_may_not_read_the_default_channel_sees_no_messages(bearer, owner, member, chatroom, history):
    grant_set(channel=default_channel(chatroom_id=chatroom.pk), user=member, r=False, w=False, x=False, actor=owner)
    assert bearer(member).get(room_url(chatroom, "messages")).json() == []
    response = bearer(member).post(room_url(chatroom, "messages"), {"text": "<p>hi</p>"}, format="json")
    assert response.status_code == 404


# POST


def test_post_stores_and_answers_the_message_with_the_clients_id(bearer, member, chatroom):
    message_id = uuid.uuid4()
    body = {"id": str(message_id).upper(), "text": "<p>Hello <strong>there</strong></p>", "mentions": []}
    response = bearer(member).post(room_url(chatroom, "messages"), body, format="json")
    assert response.status_code == 200, response.content
    stored = Message.objects.get(pk=message_id)
    assert stored.author == member and stored.channel == default_channel(chatroom_id=chatroom.pk)
    assert stored.format == Message.Format.HTML
    assert stored.html == "<p>Hello <strong>there</strong></p>"
    assert stored.text == "Hello there"
    answer = response.json()
    assert answer["id"] == str(message_id) and answer["authorId"] == str(member.pk)
    assert answer["text"] == stored.html and answer["mentions"] == []
    assert datetime.fromisoformat(answer["timeSent"]) == stored.sent_at


def test_post_without_id_gets_one_from_the_server(bearer, member, chatroom):
    response = bearer(member).post(room_url(chatroom, "messages"), {"text": "<p>no id</p>"}, format="json")
    assert response.status_code == 200
    assert Message.objects.get(html="<p>no id</p>").pk == uuid.UUID(response.json()["id"])


def test_post_same_id_same_content_stores_nothing_new(bearer, member, owner, chatroom):
    client = bearer(member)
    body = {"id": str(uuid.uuid4()), "text": "<p>once</p>", "mentions": [str(owner.pk)]}
    first = client.post(room_url(chatroom, "messages"), body, format="json")
    again = client.post(room_url(chatroom, "messages"), body, format="json")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert Message.objects.filter(chatroom=chatroom, html__contains="once").count() == 1


@pytest.mark.parametrize("change", [{"text": "<p>other</p>"}, {"mentions": ["OWNER"]}])
def test_post_same_id_different_content_is_409(bearer, member, owner, chatroom, change):
    client = bearer(member)
    body = {"id": str(uuid.uuid4()), "text": "<p>first</p>", "mentions": []}
    assert client.post(room_url(chatroom, "messages"), body, format="json").status_code == 200
    change = {key: [str(owner.pk)] if value == ["OWNER"] else value for key, value in change.items()}
    response = client.post(room_url(chatroom, "messages"), {**body, **change}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "message_id_conflict"
    assert Message.objects.get(pk=body["id"]).html == "<p>first</p>"


def test_post_same_id_by_another_author_is_409(bearer, member, owner, chatroom):
    body = {"id": str(uuid.uuid4()), "text": "<p>mine</p>"}
    assert bearer(member).post(room_url(chatroom, "messages"), body, format="json").status_code == 200
    response = bearer(owner).post(room_url(chatroom, "messages"), body, format="json")
    assert response.status_code == 409
    assert Message.objects.get(pk=body["id"]).author == member


@pytest.mark.parametrize("shape", ["bare", "object"])
def test_post_mentions_as_bare_ids_or_objects(bearer, member, owner, chatroom, shape):
    owner.display_name = "Boss"
    owner.save()
    mention = str(owner.pk) if shape == "bare" else {"id": str(owner.pk)}
    html = f'<p><a class="wysiwyg-mention" data-mention-id="{owner.pk}" href="#">@Boss</a> look</p>'
    response = bearer(member).post(
        room_url(chatroom, "messages"), {"text": html, "mentions": [mention, mention]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["mentions"] == [{"id": str(owner.pk), "name": "Boss", "avatarUrl": str(owner.pk)}]
    stored = Message.objects.get(pk=response.json()["id"])
    assert list(stored.mentions.all()) == [owner]
    listed = bearer(owner).get(room_url(chatroom, "messages")).json()[-1]
    assert listed["mentions"] == response.json()["mentions"]


def test_post_mention_of_a_non_participant_is_400(bearer, member, outsider, chatroom):
    body = {"text": "<p>hey</p>", "mentions": [str(outsider.pk)]}
    response = bearer(member).post(room_url(chatroom, "messages"), body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_mention"
    assert not Message.objects.filter(html="<p>hey</p>").exists()


def test_post_mention_alone_is_a_message(bearer, member, owner, chatroom):
    html = f'<p><a class="wysiwyg-mention" data-mention-id="{owner.pk}"></a></p>'
    response = bearer(member).post(
        room_url(chatroom, "messages"), {"text": html, "mentions": [str(owner.pk)]}, format="json"
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": ""},
        {"text": "<p></p>"},
        {"text": "<p>   </p><br>"},
        {"text": "<script>alert(1)</script>"},
        {"text": 42},
        {"text": ["<p>x</p>"]},
        {"text": "<p>x</p>", "id": "not-a-guid"},
        {"text": "<p>x</p>", "id": 7},
        {"text": "<p>x</p>", "mentions": "everyone"},
        {"text": "<p>x</p>", "mentions": ["not-a-guid"]},
        {"text": "<p>x</p>", "mentions": [{"name": "no id"}]},
        {"text": "<p>x</p>", "mentions": [12]},
    ],
)
def test_post_bad_bodies_are_400(bearer, member, chatroom, body):
    response = bearer(member).post(room_url(chatroom, "messages"), body, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"detail", "code"}
    assert Message.objects.filter(chatroom=chatroom).count() == 1


def test_post_too_large_is_413(bearer, member, chatroom, settings):
    settings.CHAT_MESSAGE_MAX_BYTES = 1000
    response = bearer(member).post(room_url(chatroom, "messages"), {"text": "<p>" + "x" * 1000 + "</p>"}, format="json")
    assert response.status_code == 413
    assert response.json()["code"] == "message_too_large"


def test_muted_participant_cannot_post_403(bearer, owner, member, chatroom):
    grant_set(channel=default_channel(chatroom_id=chatroom.pk), user=member, r=True, w=False, x=False, actor=owner)
    response = bearer(member).post(room_url(chatroom, "messages"), {"text": "<p>let me speak</p>"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "no_w_permission"
    assert not Message.objects.filter(html="<p>let me speak</p>").exists()
    assert bearer(member).get(room_url(chatroom, "messages")).status_code == 200
    ChannelGrant.objects.filter(user=member).delete()
    assert bearer(member).post(room_url(chatroom, "messages"), {"text": "<p>ok</p>"}, format="json").status_code == 200


XSS_PAYLOADS = [
    "<script>alert(1)</script><p>text</p>",
    '<p>text<img src=x onerror="alert(1)"></p>',
    '<svg onload="alert(1)"><p>text</p></svg>',
    '<p><a href="javascript:alert(1)">text</a></p>',
    '<p><a href="JaVaScRiPt:alert(1)">text</a></p>',
    '<p><a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">text</a></p>',
    '<iframe src="https://evil.example"></iframe><p>text</p>',
    '<p onclick="alert(1)" style="background:url(javascript:alert(1))">text</p>',
    '<p><a href="https://ok.example" onmouseover="alert(1)">text</a></p>',
    '<p title="x" onfocus="alert(1)" autofocus>text</p>',
    '<p><a href="#" class="wysiwyg-mention" data-x="1" onclick="alert(1)">text</a></p>',
    "<p>text</p><object data=\"javascript:alert(1)\"></object><embed src='javascript:alert(1)'>",
    "<p>text</p><style>body{display:none}</style><form action=x><input></form>",
    '<p>text<math><mi xlink:href="javascript:alert(1)">m</mi></math></p>',
    "<p>te</p><!--<script>alert(1)</script>--><p>xt</p>",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_post_strips_scripts_handlers_and_unsafe_urls(bearer, member, owner, chatroom, payload):
    response = bearer(member).post(room_url(chatroom, "messages"), {"text": payload}, format="json")
    assert response.status_code == 200, response.content
    for html in (response.json()["text"], bearer(owner).get(room_url(chatroom, "messages")).json()[-1]["text"]):
        lowered = html.lower()
        for forbidden in (
            "<script",
            "javascript:",
            "data:",
            "onerror",
            "onload",
            "onclick",
            "onmouseover",
            "onfocus",
            "<iframe",
            "<svg",
            "<img",
            "<object",
            "<embed",
            "<style",
            "<form",
            "style=",
            "<math",
        ):
            assert forbidden not in lowered, html
        assert "te" in html


def test_post_keeps_mention_links_and_basic_formatting(bearer, member, owner, chatroom):
    html = (
        f'<p><a href="#" class="wysiwyg-mention" data-mention-id="{owner.pk}" data-value="owner">@owner</a> '
        "<strong>bold</strong> <em>it</em> <u>u</u> <s>s</s> <code>c</code><br>next</p>"
        "<ul><li>one</li></ul><ol><li>two</li></ol><blockquote>q</blockquote><pre>p</pre>"
        '<p><a href="https://example.com/x?y=1">link</a> <a href="mailto:a@example.com">mail</a></p>'
    )
    body = {"text": html, "mentions": [str(owner.pk)]}
    text = bearer(member).post(room_url(chatroom, "messages"), body, format="json").json()["text"]
    assert 'class="wysiwyg-mention"' in text
    assert f'data-mention-id="{owner.pk}"' in text and 'data-value="owner"' in text and 'href="#"' in text
    for kept in (
        "<strong>bold</strong>",
        "<em>it</em>",
        "<u>u</u>",
        "<s>s</s>",
        "<code>c</code>",
        "<br>",
        "<ul><li>one</li></ul>",
        "<ol><li>two</li></ol>",
        "<blockquote>q</blockquote>",
        "<pre>p</pre>",
        'href="https://example.com/x?y=1"',
        'href="mailto:a@example.com"',
    ):
        assert kept in text, kept


# One chatroom, two protocols


def test_plain_text_message_reaches_origam_as_escaped_html(bearer, owner, member, chatroom):
    participant = chatroom_access(user=member, chatroom_id=chatroom.pk).participant
    channel = default_channel(chatroom_id=chatroom.pk)
    message_post(access=access_of(participant), channel_id=channel.pk, body='<b>not bold</b> & "quoted"\nline two')
    last = bearer(owner).get(room_url(chatroom, "messages")).json()[-1]
    assert last["text"] == "<p>&lt;b&gt;not bold&lt;/b&gt; &amp; &quot;quoted&quot;<br>line two</p>"


def test_encrypted_message_reaches_origam_as_a_placeholder(bearer, owner, member, chatroom):
    participant = chatroom_access(user=member, chatroom_id=chatroom.pk).participant
    channel = default_channel(chatroom_id=chatroom.pk)
    message_post(access=access_of(participant), channel_id=channel.pk, body="c2VjcmV0IGJ5dGVz", key_id="key-1")
    last = bearer(owner).get(room_url(chatroom, "messages")).json()[-1]
    assert last["text"] == "<p><em>Encrypted message</em></p>"
    assert "c2VjcmV0" not in str(last)


def test_origam_message_has_a_plain_text_form_for_teahaz(bearer, member, chatroom):
    html = "<p>Hello <em>you</em> &amp; me</p><ul><li>one</li><li>two</li></ul><script>x()</script>"
    response = bearer(member).post(room_url(chatroom, "messages"), {"text": html}, format="json")
    stored = Message.objects.get(pk=response.json()["id"])
    assert stored.text == "Hello you & me\none\ntwo"
    assert stored.body == html


# Outside a test's transaction, as in production: a lone INSERT takes no savepoint.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [3, 60], ids=["small", "large"])
def test_a_new_post_without_mentions_costs_two_statements(
    bearer, member, chatroom, owner, size, django_assert_num_queries
):
    """The token with the access (one statement: the write names its chatroom), then one statement that takes
    the chatroom's next place, inserts the message and its event (its own transaction: no BEGIN or COMMIT): no
    look-up of the id first, no mention query after. SQLite checks the token and the access apart, and takes the
    place with an UPDATE and a SELECT before the INSERT and the event's, inside BEGIN and COMMIT.
    The notice that wakes the event streams (on PostgreSQL without Redis, a NOTIFY) is a column of that statement,
    sent with its commit."""
    post_messages(chatroom, owner, size)
    client = bearer(member)
    assert client.get(room_url(chatroom, "info")).status_code == 200  # marks the caller present
    body = {"id": str(uuid.uuid4()), "text": "<p>cheap</p>", "mentions": []}
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 8 + wake_statements()):
        response = client.post(room_url(chatroom, "messages"), body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["mentions"] == []
    assert Message.objects.get(pk=body["id"]).html == "<p>cheap</p>"


@pytest.mark.django_db(transaction=True)
def test_a_new_post_with_mentions_checks_them_once_and_links_them_in_one_insert(
    bearer, member, chatroom, owner, django_assert_num_queries
):
    """The token and the access (one statement on PostgreSQL), the check that the mentioned are participants,
    then the message and its links in a
    transaction: BEGIN, the place, the INSERT and its event in one statement (SQLite: UPDATE, SELECT, INSERT, the
    event), one INSERT of every link, COMMIT; and the names of the mentioned for the answer. After the commit,
    the notice that wakes the event streams (on PostgreSQL without Redis)."""
    client = bearer(member)
    assert client.get(room_url(chatroom, "info")).status_code == 200  # marks the caller present
    body = {"id": str(uuid.uuid4()), "text": "<p>hey</p>", "mentions": [str(owner.pk), str(member.pk)]}
    with django_assert_num_queries((7 if connection.vendor == "postgresql" else 11) + wake_statements()):
        response = client.post(room_url(chatroom, "messages"), body, format="json")
    assert response.status_code == 200, response.content
    assert {mention["id"] for mention in response.json()["mentions"]} == {str(owner.pk), str(member.pk)}
    assert set(Message.objects.get(pk=body["id"]).mentions.all()) == {owner, member}

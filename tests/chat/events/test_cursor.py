"""The cursor resumes exactly: every later event once, in commit order, even when commits overtake each other."""

import threading

import pytest
from django.db import connection, transaction

from chat.events.models import Event
from chat.events.selectors import event_cursor_now, events_after
from chat.events.services import event_record
from chat.events.signals import events_committed
from chat.exceptions import Invalid
from chat.models import Participant
from chat.services.chatrooms import chatroom_create
from chat.services.messages import message_post
from chat.services.participants import participant_add
from tests.access import access_of
from tests.chat.events.conftest import of_type, read_all

pytestmark = pytest.mark.django_db(transaction=True)


def _post(user, chatroom, body: str):
    access = access_of(Participant.objects.get(chatroom=chatroom, user=user))
    return message_post(access=access, channel_id=access.default_channel.id, body=body)[0]


def _bodies(events: list[dict]) -> list[str]:
    return [event["data"]["body"] for event in events if event["type"] == "message.posted"]


@pytest.mark.parametrize("cursor", ["", "garbage", "1.2.3", "-1.5", "1.", "12345678901234567890.1", "1.2 "])
def test_a_string_that_is_not_a_cursor_is_invalid(owner, cursor):
    with pytest.raises(Invalid) as raised:
        events_after(user=owner, cursor=cursor)
    assert raised.value.code == "invalid_cursor"


def test_no_cursor_answers_an_empty_batch_from_now(owner, chatroom):
    _post(owner, chatroom, "before")
    batch = events_after(user=owner, cursor=None)
    assert batch.events == [] and not batch.resync
    _post(owner, chatroom, "after")
    assert _bodies(read_all(owner, batch.cursor).events) == ["after"]


def test_resuming_after_each_event_gives_every_later_one_once(owner, member, chatroom):
    cursor = event_cursor_now()
    for number in range(7):
        _post(owner, chatroom, f"message {number}")
    seen: list[str] = []
    while True:
        batch = events_after(user=member, cursor=cursor, limit=2)
        assert len(batch.events) <= 2
        if not batch.events:
            break
        assert batch.cursor == batch.events[-1]["id"]
        seen.extend(_bodies(batch.events))
        cursor = batch.cursor
    assert seen == [f"message {number}" for number in range(7)]


def test_an_event_id_is_a_cursor_to_resume_after_it(owner, member, chatroom):
    cursor = event_cursor_now()
    for number in range(4):
        _post(owner, chatroom, f"message {number}")
    posted = of_type(read_all(member, cursor), "message.posted")
    assert _bodies(read_all(member, posted[1]["id"]).events) == ["message 2", "message 3"]
    assert read_all(member, posted[-1]["id"]).events == []


def test_the_signal_is_sent_once_per_transaction_after_it_commits(owner, member, chatroom):
    sent: list[dict] = []

    def receive(**kwargs) -> None:
        sent.append({"chatroom_ids": kwargs["chatroom_ids"], "user_ids": kwargs["user_ids"]})

    events_committed.connect(receive)
    try:
        with transaction.atomic():
            _post(owner, chatroom, "one")
            _post(owner, chatroom, "two")
            event_record(type=Event.Type.READ_MARKER_MOVED, chatroom_id=chatroom.pk, user_id=member.pk)
            assert sent == []  # not before the commit
        assert sent == [{"chatroom_ids": frozenset({chatroom.pk}), "user_ids": frozenset({member.pk})}]
        sent.clear()
        with pytest.raises(RuntimeError), transaction.atomic():
            _post(owner, chatroom, "rolled back")
            raise RuntimeError
        assert sent == []
        # An event in a savepoint that rolls back is not announced; the rest of its transaction is.
        with transaction.atomic():
            try:
                with transaction.atomic():
                    _post(owner, chatroom, "undone")
                    raise RuntimeError
            except RuntimeError:
                pass
            assert sent == []
            event_record(type=Event.Type.READ_MARKER_MOVED, chatroom_id=chatroom.pk, user_id=owner.pk)
        assert sent == [{"chatroom_ids": frozenset(), "user_ids": frozenset({owner.pk})}]
    finally:
        events_committed.disconnect(receive)
    assert not Event.objects.filter(message__body__in=["rolled back", "undone"]).exists()


@pytest.mark.postgres
def test_a_transaction_that_commits_after_a_later_one_is_not_skipped(owner, member, chatroom):
    """T1 inserts first (the lower id) and commits last: a reader that resumes after T2's event still gets T1's.

    The two post in two chatrooms: within one, posts already commit one at a time (the chatroom's row lock).
    """
    other_room = chatroom_create(creator=owner, name="Other room")
    Participant.objects.create(chatroom=other_room, user=member)
    first_inserted = threading.Event()
    second_committed = threading.Event()
    reader_has_read = threading.Event()
    errors: list[BaseException] = []
    cursor = event_cursor_now()

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                _post(owner, chatroom, "T1, inserted first")
                first_inserted.set()
                assert reader_has_read.wait(30)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    def fast_writer() -> None:
        try:
            assert first_inserted.wait(30)
            _post(owner, other_room, "T2, committed first")
            second_committed.set()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=slow_writer), threading.Thread(target=fast_writer)]
    for thread in threads:
        thread.start()
    assert second_committed.wait(30), errors
    posted = Event.objects.filter(type="message.posted", message__body__startswith="T")
    ids = dict(posted.values_list("message__body", "id"))
    # T2's event has committed while T1's has not.
    assert set(ids) == {"T2, committed first"}
    during = events_after(user=member, cursor=cursor)
    # T2's event waits behind T1, which is still in flight: the reader is not handed a cursor past T1, and is
    # told that something committed is waiting.
    assert _bodies(during.events) == []
    assert during.pending
    reader_has_read.set()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    ids = dict(posted.values_list("message__body", "id"))
    # The case a plain auto-increment cursor gets wrong: the event that committed last holds the lower id.
    assert ids["T1, inserted first"] < ids["T2, committed first"]

    after = events_after(user=member, cursor=during.cursor)
    assert _bodies(after.events) == ["T1, inserted first", "T2, committed first"]
    assert not after.pending
    assert read_all(member, after.cursor).events == []


@pytest.mark.postgres
def test_a_transaction_of_another_database_does_not_hold_the_log_back(owner, member, chatroom):
    """A write in flight in another database of the cluster does not delay this database's events."""
    import psycopg

    settings_dict = connection.settings_dict
    other = psycopg.connect(
        host=settings_dict["HOST"],
        port=settings_dict["PORT"],
        user=settings_dict["USER"],
        password=settings_dict["PASSWORD"] or None,
        dbname="postgres",
    )
    try:
        other.execute("CREATE TEMP TABLE held (x int)")
        other.execute("INSERT INTO held VALUES (1)")  # holds a transaction id until the rollback below
        cursor = event_cursor_now()
        _post(owner, chatroom, "not held back")
        assert _bodies(events_after(user=member, cursor=cursor).events) == ["not held back"]
    finally:
        other.rollback()
        other.close()


@pytest.mark.postgres
def test_a_reader_following_concurrent_posters_gets_every_event_once(owner, member, chatroom):
    """Posters in three chatrooms at once, a reader resuming from each batch's cursor while they post: at the end
    it has read every message once, in an order where each chatroom's messages keep their own order."""
    rooms = [chatroom] + [chatroom_create(creator=owner, name=f"room {number}") for number in range(2)]
    for room in rooms[1:]:
        Participant.objects.create(chatroom=room, user=member)
    cursor = event_cursor_now()
    per_poster = 15
    posters_done = threading.Event()
    errors: list[BaseException] = []

    def poster(number: int) -> None:
        try:
            room = rooms[number % len(rooms)]
            for index in range(per_poster):
                _post(owner, room, f"p{number}-{index}")
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=poster, args=(number,)) for number in range(6)]
    for thread in threads:
        thread.start()
    watcher = threading.Thread(target=lambda: ([thread.join(120) for thread in threads], posters_done.set()))
    watcher.start()
    read: list[str] = []
    while True:
        finished = posters_done.is_set()
        batch = events_after(user=member, cursor=cursor, limit=7)
        assert not batch.resync
        read.extend(body for body in _bodies(batch.events) if body.startswith("p"))
        cursor = batch.cursor
        if finished and not batch.events and not batch.pending:
            break
    watcher.join(5)
    assert not errors, errors

    expected = {f"p{number}-{index}" for number in range(6) for index in range(per_poster)}
    assert len(read) == len(set(read)) == len(expected)
    assert set(read) == expected
    for number in range(6):
        own = [body for body in read if body.startswith(f"p{number}-")]
        assert own == [f"p{number}-{index}" for index in range(per_poster)]


def test_a_join_names_the_newcomer_in_the_notice_so_their_streams_follow_at_once(owner, outsider, chatroom):
    sent: list[frozenset] = []

    def receive(**kwargs) -> None:
        sent.append(kwargs["user_ids"])

    events_committed.connect(receive)
    try:
        participant_add(chatroom=chatroom, user=outsider)
        created = chatroom_create(creator=owner, name="with a friend", invite_users=[outsider])
    finally:
        events_committed.disconnect(receive)

    assert created.pk and outsider.pk in sent[0] and outsider.pk in sent[-1]

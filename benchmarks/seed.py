"""The benchmark's data: chatrooms of a given history with 100 participants, seeded in seconds.

The few hundred small rows (users, chatrooms, channels, participants) go through the ORM; the
messages go in with one `INSERT ... SELECT generate_series` per chatroom, bypassing it. A database
already seeded at the right sizes is reused: only what earlier runs posted is deleted.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection, transaction

from chat.models import Channel, Chatroom, Message, Participant, User

PARTICIPANTS = 100
# Seeded messages are one second apart from here; anything later was posted by a benchmark run.
SEED_START = datetime(2020, 1, 1, tzinfo=UTC)
SEED_END = datetime(2020, 6, 1, tzinfo=UTC)
USERNAME_PREFIX = "bench-user-"


@dataclass(frozen=True)
class Room:
    """A seeded chatroom as the scenarios address it."""

    history: int
    chatroom_id: str
    channel_id: str


def room_name(history: int) -> str:
    return f"Benchmark, {history:,} messages"


def bench_users() -> list[User]:
    """The benchmark's participants, created once: the first is the owner, the second the caller."""
    users = list(User.objects.filter(username__startswith=USERNAME_PREFIX).order_by("username"))
    if len(users) != PARTICIPANTS:
        User.objects.filter(username__startswith=USERNAME_PREFIX).delete()
        users = User.objects.bulk_create(
            User(username=f"{USERNAME_PREFIX}{i:03d}", display_name=f"Bench user {i}", password="!")
            for i in range(PARTICIPANTS)
        )
    return users


def _insert_messages(*, chatroom: Chatroom, channel: Channel, users: list[User], count: int) -> None:
    """`count` short messages, one second apart, by the participants in turn.

    As a restore does, the table's indexes and keys are dropped for the insert and made again
    afterwards, in the same transaction: building an index or checking a key once for the whole
    table is many times faster than doing it row by row.
    """
    table = Message._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN
                (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)
            """,
            [table, table],
        )
        indexes = cursor.fetchall()
        # The primary key (random UUIDs: the costliest index to grow row by row), then the foreign keys
        # from and to the table, which must go before it and come back after it.
        cursor.execute(
            """
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE (conrelid = %s::regclass AND contype IN ('p', 'f')) OR confrelid = %s::regclass
            ORDER BY contype = 'p' DESC
            """,
            [table, table],
        )
        constraints = cursor.fetchall()
        # The chatroom's own rows, just written, have their deferred key checks pending: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for owner, name, _definition in reversed(constraints):
            cursor.execute(f'ALTER TABLE {owner} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(
            f"""
            INSERT INTO {table}
                (id, chatroom_id, channel_id, author_id, kind, format, body, html, text, key_id,
                 reply_to_id, seq, sent_at, hidden_at, hidden_by_id, hidden_reason)
            SELECT gen_random_uuid(), %(chatroom)s, %(channel)s, (%(authors)s::uuid[])[1 + i %% %(n)s],
                   'text', 'plain', 'message ' || i, '<p>message ' || i || '</p>', 'message ' || i, '',
                   NULL, i + 1, %(start)s::timestamptz + i * interval '1 second', NULL, NULL, ''
            FROM generate_series(0, %(count)s - 1) AS i
            """,
            {
                "chatroom": chatroom.pk,
                "channel": channel.pk,
                "authors": [user.pk for user in users],
                "n": len(users),
                "start": SEED_START,
                "count": count,
            },
        )
        # The chatroom's next message comes after the seeded ones, in number and in time.
        cursor.execute(
            "UPDATE chat_chatroom SET last_seq = %(count)s, last_sent_at = %(start)s::timestamptz"
            " + (%(count)s - 1) * interval '1 second' WHERE id = %(chatroom)s",
            {"chatroom": chatroom.pk, "start": SEED_START, "count": count},
        )
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for owner, name, definition in constraints:
            cursor.execute(f'ALTER TABLE {owner} ADD CONSTRAINT "{name}" {definition}')


def _seed_rooms(*, histories: list[int], users: list[User]) -> None:
    """Every benchmark chatroom afresh: TRUNCATE empties the chatrooms and all that hangs off them at once."""
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Chatroom._meta.db_table} CASCADE")
    for history in histories:
        chatroom = Chatroom.objects.create(name=room_name(history), created_by=users[0])
        channel = Channel.objects.create(chatroom=chatroom, name="general", public=True, is_default=True)
        Participant.objects.bulk_create(
            Participant(chatroom=chatroom, user=user, role=Participant.Role.MEMBER if i else Participant.Role.OWNER)
            for i, user in enumerate(users)
        )
        _insert_messages(chatroom=chatroom, channel=channel, users=users, count=history)


def _is_seeded(*, history: int, users: list[User]) -> bool:
    """The chatroom of this history exists with its participants and exactly its seeded messages."""
    chatroom = Chatroom.objects.filter(name=room_name(history)).first()
    if chatroom is None:
        return False
    Message.objects.filter(chatroom=chatroom, sent_at__gte=SEED_END).delete()
    return (
        Participant.objects.filter(chatroom=chatroom).count() == len(users)
        and Message.objects.filter(chatroom=chatroom).count() == history
    )


@transaction.atomic
def seeded_rooms(*, histories: list[int]) -> tuple[list[User], dict[int, Room], bool]:
    """The benchmark's users and chatrooms, seeded unless they already are; True when seeded now."""
    users = bench_users()
    seeded = not all(_is_seeded(history=history, users=users) for history in histories)
    if seeded:
        _seed_rooms(histories=histories, users=users)
    rooms = {}
    for history in histories:
        channel = Channel.objects.select_related("chatroom").get(chatroom__name=room_name(history), is_default=True)
        # Every participant has read everything: the caller's polls start from a settled read marker.
        Participant.objects.filter(chatroom=channel.chatroom).update(last_read_at=SEED_END, last_seen_at=None)
        rooms[history] = Room(history=history, chatroom_id=str(channel.chatroom_id), channel_id=str(channel.pk))
    return users, rooms, seeded


def analyze() -> None:
    """What autovacuum would have done on a live server: statistics and the visibility map."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

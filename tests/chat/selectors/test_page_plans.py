"""The page statement's generic plans (one per shape, made without the parameters' values) on a skewed history.

A quiet chatroom's messages are old, a busy one's are all newer. A plan that read messages by time over every
chatroom (the admin's index), or a whole channel before sorting it, would read the busy chatroom's messages to
answer the quiet one's poll. Each shape must start at its place in the page's own index and read no more.
"""

import itertools
import json
import re
from datetime import timedelta

import pytest
from django.db import connection

from chat.models import Message
from chat.selectors.messages import message_page
from chat.services.chatrooms import channel_create, chatroom_create
from tests.chat.selectors.test_messages import T0, owners_access

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

BUSY = 20_000
QUIET = 6_000


def insert_messages(cursor, *, chatroom, channels, author, start, count: int, first_seq: int) -> None:
    """`count` messages a second apart from `start`, in turn over `channels` (one in four in the second)."""
    cursor.execute(
        f"""
        INSERT INTO {Message._meta.db_table}
            (id, chatroom_id, channel_id, author_id, kind, format, body, html, text, key_id, seq, sent_at,
             hidden_reason)
        SELECT gen_random_uuid(), %s, CASE WHEN i %% 4 = 0 THEN %s::uuid ELSE %s::uuid END, %s, 'text', 'plain',
               'm', '<p>m</p>', 'm', '', %s + i, %s::timestamptz + i * interval '1 second', ''
        FROM generate_series(1, %s) AS i
        """,
        [chatroom.pk, channels[-1].pk, channels[0].pk, author.pk, first_seq, start, count],
    )


@pytest.fixture
def rooms(owner):
    """A quiet chatroom (two channels, 6,000 old messages) and a busy one (20,000 messages, all newer)."""
    quiet = chatroom_create(creator=owner, name="quiet")
    other = channel_create(chatroom=quiet, name="other")
    default = quiet.channels.get(is_default=True)
    Message.objects.filter(chatroom=quiet).delete()
    busy = chatroom_create(creator=owner, name="busy")
    busy_channel = busy.channels.get(is_default=True)
    with connection.cursor() as cursor:
        insert_messages(cursor, chatroom=quiet, channels=[default, other], author=owner, start=T0, count=QUIET,
                        first_seq=1000)  # fmt: skip
        insert_messages(cursor, chatroom=busy, channels=[busy_channel], author=owner, start=T0 + timedelta(days=1),
                        count=BUSY, first_seq=1000)  # fmt: skip
        cursor.execute(f"ANALYZE {Message._meta.db_table}")
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
    return {"quiet": quiet, "messages": list(Message.objects.filter(chatroom=quiet).order_by("sent_at", "id"))}


def prepared_plan(sql_marker: str) -> tuple[str, list[str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, parameter_types::text[] FROM pg_prepared_statements WHERE statement LIKE %s"
            " ORDER BY prepare_time DESC LIMIT 1",
            [f"%{sql_marker}%"],
        )
        name, types = cursor.fetchone()
    return name, types


def explain(name: str, types: list[str], values: list[object]) -> dict:
    literals = []
    for value, kind in zip(values, types, strict=True):
        if value is None:
            literals.append(f"NULL::{kind}")
        elif isinstance(value, list):
            literals.append("'{" + ",".join(str(item) for item in value) + "}'::" + kind)
        else:
            literals.append(f"'{value.isoformat() if hasattr(value, 'isoformat') else value}'::{kind}")
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE {name}({', '.join(literals)})")
        (document,) = cursor.fetchone()
    return (json.loads(document) if isinstance(document, str) else document)[0]["Plan"]


def nodes(plan: dict):
    """The plan's nodes, but for the subplan that gathers each row's mentions (another table)."""
    yield plan
    for child in plan.get("Plans", []):
        if child.get("Parent Relationship") != "SubPlan":
            yield from nodes(child)


def test_every_shape_reads_only_its_place_of_the_page_index(rooms, monkeypatch):
    """Each shape: the page's own index (or the primary key, for an anchor), no sort, and no more rows read than
    the page holds (plus the anchor's)."""
    from chat.selectors import messages as selectors

    statements: list[tuple[str, dict]] = []
    real = selectors.fetch_dicts

    def recording(model, statement, params, names):
        statements.append((statement, params))
        return real(model, statement, params, names)

    monkeypatch.setattr(selectors, "fetch_dicts", recording)
    access = owners_access(rooms["quiet"])
    quiet = rooms["messages"]
    newest, middle, later = quiet[-1], quiet[QUIET // 2], quiet[QUIET // 2 + 30]
    one = [access.default_channel]
    checked = 0
    for channels, bounds, keep, limit in itertools.product(
        [None, one],
        [
            {"since": newest.sent_at},  # the idle poll
            {"since": middle.sent_at},
            {"until": middle.sent_at},
            {"since": middle.sent_at, "until": later.sent_at},  # a range in the middle, either end kept
            {"after": newest.pk},
            {"after": middle.pk},
            {"before": middle.pk},
            {"after": middle.pk, "before": later.pk},  # Origam's afterIdIncluding and beforeIdIncluding
            {"since": quiet[10].sent_at, "after": middle.pk},  # two lower bounds: the tighter one starts
            {"past": (newest.sent_at, newest.pk), "later": True},
            {"past": (middle.sent_at, middle.pk), "later": True},
            {"past": (middle.sent_at, middle.pk), "later": False},
            {},
        ],
        ["oldest", "newest"],
        [3, 100],
    ):
        statements.clear()
        rows = message_page(access=access, channels=channels, limit=limit, keep=keep, **bounds)
        ((statement, params),) = statements
        names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", statement)))
        name, types = prepared_plan(statement.split("WHERE", 1)[1].split("%(")[0][:60])
        plan = explain(name, types, [params[key] for key in names])
        index = "chat_msg_channel_time_idx" if channels else "chat_msg_room_time_idx"
        seen = list(nodes(plan))
        assert not {node["Node Type"] for node in seen} & {"Sort", "Incremental Sort"}, (bounds, keep, plan)
        scans = [node for node in seen if node.get("Relation Name") == Message._meta.db_table]
        assert {node["Node Type"] for node in scans} <= {"Index Scan", "Index Only Scan"}, (bounds, keep, scans)
        page_scans = [node for node in scans if node.get("Index Name") != "chat_message_pkey"]
        assert [node["Index Name"] for node in page_scans] == [index], (bounds, keep, scans)
        (scan,) = page_scans
        read = scan["Actual Rows"] + scan.get("Rows Removed by Filter", 0)
        assert read <= len(rows) + 12, (bounds, keep, limit, read, len(rows))
        # Nor rows its index conditions passed over: a scan that started at the channel's edge, or went on to it
        # after the far bound, reads some hundred pages of this chatroom (or the busy one's) for a page's few.
        pages = scan["Shared Hit Blocks"] + scan["Shared Read Blocks"]
        assert pages <= 40, (bounds, keep, limit, pages)
        checked += 1
    assert checked == 104

"""The admin refuses NUL characters in its URLs and queries with a 400, on every database."""

import pytest

from chat.models import Message


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/admin/chat/message/?q=hello%00world",
        "/admin/chat/chatroom/?q=%00",
        "/admin/invites/invite/abc%00def/change/",
        "/admin/chat/message/?chatroom__id__exact=%00",
    ],
)
def test_nul_in_an_admin_url_is_a_400(admin_client, path):
    response = admin_client.get(path)

    assert response.status_code == 400


@pytest.mark.django_db
def test_ordinary_admin_searches_still_work(admin_client, chatroom):
    response = admin_client.get("/admin/chat/message/?q=Welcome")

    assert response.status_code == 200
    assert Message.objects.filter(text__contains="Welcome").exists()
    assert b"Welcome" in response.content

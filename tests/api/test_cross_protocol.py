"""One chatroom, two protocols: what a client of one does, a client of the other sees."""

from rest_framework.test import APIClient

from chat.services.tokens import token_issue
from tests.api.teahaz.conftest import as_user, log_in, url


def test_a_teahaz_client_polling_shows_online_to_origam_clients(owner, member, chatroom):
    teahaz = APIClient()
    log_in(teahaz, member, chatroom)
    raw, _token = token_issue(user=owner)
    origam = APIClient()
    origam.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    participants = f"/chatrooms/Chat/chatrooms/{chatroom.pk}/participants"

    def status_of_member() -> str:
        return next(p["status"] for p in origam.get(participants).json() if p["id"] == str(member.pk))

    assert status_of_member() == "none"
    response = teahaz.get(url("messages", chatroom.id), headers={**as_user(member), "get-method": "count"})
    assert response.status_code == 200
    assert status_of_member() == "online"

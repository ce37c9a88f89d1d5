"""N uses admit N users however many redeem at once (real threads, PostgreSQL)."""

import pytest

from chat.exceptions import Forbidden
from chat.models import Participant, User
from invites.models import Invite, InviteRedemption
from invites.services import invite_create, invite_redeem
from tests.chat.concurrency import run_together
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_thirty_new_users_on_an_invite_with_five_uses_admit_exactly_five(chatroom, owner):
    invite = invite_create(chatroom=chatroom, created_by=owner, uses=5)

    def redeem(number: int) -> str:
        _participant, user = invite_redeem(
            invite_id=invite.pk,
            chatroom_id=chatroom.pk,
            username=f"racer{number}",
            password="a long enough password",
            address=f"10.0.0.{number}",
        )
        return user.username

    outcomes = run_together(30, redeem)
    admitted = [result for kind, result in outcomes if kind == "ok"]
    refused = [result for kind, result in outcomes if kind == "error"]
    assert len(admitted) == 5 and len(refused) == 25
    assert all(isinstance(error, Forbidden) and error.code == "invite_used_up" for error in refused), refused
    assert Invite.objects.get(pk=invite.pk).uses_left == 0
    assert InviteRedemption.objects.filter(invite=invite).count() == 5
    assert set(
        Participant.objects.filter(chatroom=chatroom, role="member").values_list("user__username", flat=True)
    ) == set(admitted)
    # The refused redemptions left no account behind.
    assert User.objects.filter(username__startswith="racer").count() == 5


@pytest.mark.parametrize("uses", [5, 1])
def test_ten_redemptions_by_the_same_existing_user_consume_one_use(chatroom, owner, outsider, uses):
    invite = invite_create(chatroom=chatroom, created_by=owner, uses=uses)

    def redeem(_number: int) -> int:
        participant, _user = invite_redeem(
            invite_id=invite.pk, chatroom_id=chatroom.pk, username="outsider", password=PASSWORD, address="10.0.0.1"
        )
        return participant.pk

    outcomes = run_together(10, redeem)
    assert [kind for kind, _ in outcomes] == ["ok"] * 10, outcomes
    stored = Participant.objects.get(chatroom=chatroom, user=outsider)
    assert {result for _, result in outcomes} == {stored.pk}
    assert Invite.objects.get(pk=invite.pk).uses_left == uses - 1
    assert InviteRedemption.objects.filter(invite=invite).count() == 1

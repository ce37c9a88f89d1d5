"""The built-in web client's pages: the landing page, the chat itself, sign-up, invite links and the profile.

The chat page is a shell: the script it loads talks to the v1 API and the event stream like any other client,
so the server's rules hold in the browser exactly as everywhere else. The pages here only render forms and call
the services of chat/ and invites/.
"""

import uuid

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from chat.api.errors import domain_status
from chat.events.models import EventType
from chat.exceptions import ChatError
from chat.http import client_address
from chat.models import Participant, User
from chat.services.accounts import user_profile_update, user_signup
from chat.services.participants import participant_existing
from chat.web.forms import ProfileForm, SignupForm
from invites.models import Invite
from invites.services import BANNED, invite_find, invite_redeem_for_user, invite_signup, invite_usable_check

BACKEND = settings.AUTHENTICATION_BACKENDS[0]


def _shell(request: HttpRequest, chatroom_id: uuid.UUID | None) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    return render(
        request,
        "web/app.html",
        {
            "chatroom_id": chatroom_id or "",
            "me": user,
            "is_staff": user.is_staff,
            "origam_client": bool(settings.ORIGAM_CHAT_APP_DIR),
            "event_types": " ".join(EventType.values),
        },
    )


def front(request: HttpRequest) -> HttpResponse:
    """The chat for a person who is logged in; a short landing page for a visitor."""
    if request.user.is_authenticated:
        return _shell(request, None)
    return render(request, "web/landing.html", {"signup_open": settings.CHAT_SIGNUP_OPEN})


@login_required
def chatroom(request: HttpRequest, chatroom_id: uuid.UUID) -> HttpResponse:
    """The chat, opened on one chatroom (the script checks membership through the API, as for any chatroom)."""
    return _shell(request, chatroom_id)


def _invite_or_none(invite_id: str) -> Invite | None:
    try:
        return invite_find(invite_id=invite_id)
    except ChatError:
        return None


def _usable(invite: Invite | None) -> str | None:
    """Why this invite admits nobody now, or None when it does."""
    if invite is None:
        return "This invite link is not valid."
    try:
        invite_usable_check(invite=invite)
    except ChatError as error:
        return str(error.detail)
    return None


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, invite_id: str) -> HttpResponse:
    """An invite link: a visitor signs up (and is in at once) or logs in first; a user joins with one button and
    lands in the chat; a participant already in goes straight there."""
    invite = _invite_or_none(invite_id)
    context = {"invite": invite, "invite_id": invite_id, "refusal": None, "here": request.get_full_path()}
    if invite is None:
        context["refusal"] = "This invite link is not valid."
        return render(request, "web/join.html", context, status=404)
    chat_page = HttpResponseRedirect(reverse("web-chatroom", args=[invite.chatroom_id]))
    if request.user.is_authenticated:
        try:
            existing = participant_existing(chatroom_id=invite.chatroom_id, user=request.user, banned=BANNED)
        except ChatError as error:
            context["refusal"] = str(error.detail)
            return render(request, "web/join.html", context, status=domain_status(error))
        if existing is not None and existing.state == Participant.State.ACTIVE:
            return chat_page
    refusal = _usable(invite)
    if refusal is not None:
        context["refusal"] = refusal
        return render(request, "web/join.html", context, status=410)
    if request.method == "POST" and request.user.is_authenticated:
        try:
            invite_redeem_for_user(invite=invite, user=request.user)
        except ChatError as error:
            context["refusal"] = str(error.detail)
            return render(request, "web/join.html", context, status=domain_status(error))
        return chat_page
    return render(request, "web/join.html", context)


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


def _signup_invite(request: HttpRequest) -> Invite | None:
    """The invite link a sign-up comes from (`?invite=`): it admits the account even when sign-up is closed."""
    invite_id = request.POST.get("invite") or request.GET.get("invite") or ""
    invite = _invite_or_none(invite_id) if invite_id else None
    return invite if _usable(invite) is None else None


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Creates an account with the same rules as everywhere (CHAT_SIGNUP_OPEN, the password validators, the
    per-address quota) and logs it in; from an invite link, the account is in that chatroom at once."""
    next_url = _next_url(request)
    if request.user.is_authenticated:
        return HttpResponseRedirect(next_url)
    invite = _signup_invite(request)
    open_here = settings.CHAT_SIGNUP_OPEN or invite is not None
    form = SignupForm(request.POST or None)
    status = 200
    if request.method == "POST" and open_here and form.is_valid():
        fields = {
            "username": form.cleaned_data["username"],
            "password": form.cleaned_data["password1"],
            "address": client_address(request),
        }
        try:
            if invite is not None:
                user, _participant = invite_signup(invite=invite, **fields)
                next_url = reverse("web-chatroom", args=[invite.chatroom_id])
            else:
                user = user_signup(**fields)
        except ChatError as error:
            form.add_error(None, str(error.detail))
            status = domain_status(error)
        else:
            login(request, user, backend=BACKEND)
            return HttpResponseRedirect(next_url)
    elif request.method == "POST":
        status = 400 if open_here else 403
    context = {"form": form, "next": next_url, "open": open_here, "invite": invite}
    return render(request, "web/signup.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """The person's display name and avatar."""
    user: User = request.user  # type: ignore[assignment]
    form = ProfileForm(request.POST or None, request.FILES or None, initial={"display_name": user.display_name})
    saved = False
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                user_profile_update(
                    user=user,
                    display_name=form.cleaned_data["display_name"],
                    avatar=form.cleaned_data["avatar"],
                    remove_avatar=form.cleaned_data["remove_avatar"],
                )
                saved = True
            except ChatError as error:
                form.add_error(None, str(error.detail))
                status = domain_status(error)
        else:
            status = 400
    return render(request, "web/profile.html", {"form": form, "saved": saved, "me": user}, status=status)

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
from chat.exceptions import ChatError
from chat.http import client_address
from chat.models import User
from chat.services.accounts import user_profile_update, user_signup
from chat.web.forms import ProfileForm, SignupForm
from invites.models import Invite
from invites.services import invite_find, invite_redeem_for_user, invite_usable_check

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
    """An invite link: a visitor logs in or signs up first; a user joins with one button and lands in the chat."""
    invite = _invite_or_none(invite_id)
    refusal = _usable(invite)
    context = {"invite": invite, "invite_id": invite_id, "refusal": refusal, "here": request.get_full_path()}
    if refusal is not None or invite is None:
        return render(request, "web/join.html", context, status=404 if invite is None else 410)
    if request.method == "POST" and request.user.is_authenticated:
        try:
            invite_redeem_for_user(invite=invite, user=request.user)
        except ChatError as error:
            context["refusal"] = str(error.detail)
            return render(request, "web/join.html", context, status=domain_status(error))
        return HttpResponseRedirect(reverse("web-chatroom", args=[invite.chatroom_id]))
    return render(request, "web/join.html", context)


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


def _invite_of_next(next_url: str) -> Invite | None:
    """The invite a sign-up comes from, when it goes on to an invite link: it admits the account even when
    sign-up is otherwise closed."""
    prefix = "/join/"
    if not next_url.startswith(prefix):
        return None
    invite = _invite_or_none(next_url[len(prefix) :].split("?")[0].split("#")[0])
    return invite if _usable(invite) is None else None


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Creates an account with the same rules as everywhere (CHAT_SIGNUP_OPEN, the password validators, the
    per-address quota) and logs it in."""
    next_url = _next_url(request)
    via_invite = _invite_of_next(next_url) is not None
    open_here = settings.CHAT_SIGNUP_OPEN or via_invite
    form = SignupForm(request.POST or None)
    status = 200
    if request.method == "POST" and open_here and form.is_valid():
        try:
            user = user_signup(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                address=client_address(request),
                via_invite=via_invite,
            )
        except ChatError as error:
            form.add_error(None, str(error.detail))
            status = domain_status(error)
        else:
            login(request, user, backend=BACKEND)
            return HttpResponseRedirect(next_url)
    elif request.method == "POST":
        status = 400 if open_here else 403
    return render(request, "web/signup.html", {"form": form, "next": next_url, "open": open_here}, status=status)


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

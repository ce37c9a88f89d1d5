"""Driving the admin as an operator's browser does: form contents, changelist URLs, actions."""

import re
from html.parser import HTMLParser

from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

from chat.models import Channel, Message, ModerationLog, Participant
from chat.services.messages import message_post
from tests.access import access_of


class _FormInputs(HTMLParser):
    """The inputs of the form that holds a given field, as a browser would submit them (textareas empty), with the
    name and value of the submit button pressed."""

    def __init__(self, holding: str) -> None:
        super().__init__()
        self.holding = holding
        self.forms: list[tuple[list[tuple[str, str]], list[tuple[str, str]]]] = []
        self._current: list[tuple[str, str]] | None = None
        self._buttons: list[tuple[str, str]] = []
        self._select: str | None = None
        self._options: list[str] = []
        self._chosen = False
        self._multiple = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self._current = []
            self._buttons = []
        elif self._current is None:
            return
        elif tag == "button" and attributes.get("name") and attributes.get("type", "submit") == "submit":
            self._buttons.append((attributes["name"] or "", attributes.get("value") or ""))
        elif tag == "select":
            self._select = attributes.get("name")
            self._options = []
            self._chosen = False
            self._multiple = "multiple" in attributes
        elif tag == "option" and self._select:
            self._options.append(attributes.get("value") or "")
            if "selected" in attributes:
                self._chosen = True
                self._current.append((self._select, attributes.get("value") or ""))
        elif tag in ("input", "textarea") and attributes.get("name"):
            kind = attributes.get("type")
            if kind == "submit" or (kind == "checkbox" and "checked" not in attributes):
                return
            default = "on" if kind == "checkbox" else ""
            self._current.append((attributes["name"] or "", attributes.get("value") or default))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select:
            # A single select without a chosen option submits its first one.
            if self._current is not None and not self._chosen and not self._multiple and self._options:
                self._current.append((self._select, self._options[0]))
            self._select = None
        if tag == "form" and self._current is not None:
            self.forms.append((self._current, self._buttons))
            self._current = None

    def form(self, press: str | None) -> dict[str, list[str]]:
        for inputs, buttons in self.forms:
            if any(name == self.holding for name, _ in inputs):
                if press is not None:
                    pressed = [(name, value) for name, value in buttons if value == press]
                    assert pressed, f"no '{press}' button in the form, only {[value for _, value in buttons]}"
                    inputs = [*inputs, pressed[0]]
                data: dict[str, list[str]] = {}
                for name, value in inputs:
                    data.setdefault(name, []).append(value)
                return data
        raise AssertionError(f"no form with a '{self.holding}' field on the page")


def form_holding(response, field: str, press: str | None = None) -> dict[str, list[str]]:
    """What the page's form holding `field` would submit, sent with its submit button of value `press`."""
    parser = _FormInputs(field)
    parser.feed(response.content.decode())
    return parser.form(press)


def changelist_url(model: type[Model]) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def listed(client, model: type, **params) -> list:
    """The objects a changelist shows for these query parameters."""
    response = client.get(changelist_url(model), params)
    assert response.status_code == 200, response.content[:500]
    return list(response.context["cl"].result_list)


def run_action(client, model: type, action: str, objects, **extra) -> object:
    """Ticks the objects and runs the action from the changelist, as the page's Go button does."""
    data = {"action": action, "index": "0", "_selected_action": [str(obj.pk) for obj in objects], **extra}
    return client.post(changelist_url(model), data)


def post(participant: Participant, text: str, channel: Channel | None = None) -> Message:
    channel = channel or Channel.objects.get(chatroom=participant.chatroom, is_default=True)
    message, _ = message_post(access=access_of(participant), channel_id=channel.pk, body=text)
    return message


def midnight():
    """Today's start, as the admin's date filter links give it."""
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def log_of(action: str) -> ModerationLog:
    return ModerationLog.objects.get(action=action)


def object_tools(response) -> str:
    """The HTML of the page's object tools (the controls above an object's page)."""
    match = re.search(r'<ul class="object-tools">(.*?)</ul>', response.content.decode(), re.S)
    assert match, "no object-tools on the page"
    return match.group(1)

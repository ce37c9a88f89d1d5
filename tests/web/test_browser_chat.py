"""The web client in a real browser (Playwright driving Debian's chromium) against a live server."""

import re

import pytest
from playwright.sync_api import expect

from chat.models import ChannelGrant, Chatroom, Message, Participant
from chat.services.chatrooms import channel_create
from chat.services.messages import message_post
from tests.access import access_of
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def post(user, chatroom, text: str, channel_id=None) -> Message:
    access = access_of(Participant.objects.get(user=user, chatroom=chatroom))
    message, _created = message_post(access=access, channel_id=channel_id or access.default_channel.id, body=text)
    return message


def composer_ready(page):
    box = page.get_by_role("textbox", name="Message")
    expect(box).to_be_enabled()
    return box


def articles(page):
    return page.get_by_role("log", name="Messages").get_by_role("article")


def test_a_visitor_logs_in_and_lands_in_the_linked_chatroom(open_as, owner, chatroom):
    page, console = open_as(None, f"/chat/{chatroom.pk}/")

    page.get_by_label("Username").fill("owner")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(re.compile(rf"/chat/{chatroom.pk}/$"))
    expect(page.get_by_role("heading", name="Tea room")).to_be_visible()
    expect(page.get_by_role("navigation", name="Chatrooms").get_by_role("link", name="Tea room")).to_be_visible()
    assert console.problems() == []


def test_enter_sends_shift_enter_starts_a_new_line(open_as, member, chatroom):
    page, console = open_as(member, f"/chat/{chatroom.pk}/")
    box = composer_ready(page)

    box.type("first line")
    box.press("Shift+Enter")
    box.type("second line")
    box.press("Enter")

    sent = articles(page).filter(has_text="second line")
    expect(sent).to_have_count(1)
    expect(sent).not_to_have_class(re.compile("pending"))
    expect(box).to_have_value("")
    stored = Message.objects.get(chatroom=chatroom, author=member)
    assert stored.body == "first line\nsecond line"
    assert sent.get_attribute("data-id") == str(stored.pk)
    assert console.problems() == []


def test_a_failed_send_offers_a_retry_that_keeps_the_client_chosen_id(open_as, member, chatroom):
    page, _console = open_as(member, f"/chat/{chatroom.pk}/")
    box = composer_ready(page)
    page.route(
        "**/api/v1/messages/", lambda route: route.abort() if route.request.method == "POST" else route.continue_()
    )

    box.type("through a bad line")
    box.press("Enter")

    failed = articles(page).filter(has_text="through a bad line")
    expect(failed).to_have_class(re.compile("failed"))
    expect(failed.get_by_text(re.compile("^Not sent"))).to_be_visible()
    client_id = failed.get_attribute("data-id")
    assert not Message.objects.filter(author=member).exists()

    page.unroute("**/api/v1/messages/")
    failed.get_by_role("button", name="Retry").click()

    confirmed = articles(page).filter(has_text="through a bad line")
    expect(confirmed).not_to_have_class(re.compile("pending|failed"))
    assert list(Message.objects.filter(author=member).values_list("pk", flat=True)) == [
        __import__("uuid").UUID(client_id)
    ]


def test_at_opens_the_participants_to_mention(open_as, owner, member, chatroom):
    page, _console = open_as(owner, f"/chat/{chatroom.pk}/")
    box = composer_ready(page)

    box.type("hello @mem")
    options = page.get_by_role("listbox", name="Mention").get_by_role("option")
    expect(options).to_have_text(["member (@member)"])
    box.press("Enter")
    expect(box).to_have_value("hello @member ")
    box.type("how are you")
    box.press("Enter")

    expect(articles(page).filter(has_text="how are you")).not_to_have_class(re.compile("pending"))
    stored = Message.objects.get(author=owner, body__contains="how are you")
    assert list(stored.mentions.values_list("pk", flat=True)) == [member.pk]


def test_a_channel_without_w_says_why_the_composer_is_disabled(open_as, owner, member, chatroom):
    channel = chatroom.channels.get(is_default=True)
    ChannelGrant.objects.create(channel=channel, user=member, r=True, w=False, x=False)

    page, _console = open_as(member, f"/chat/{chatroom.pk}/")

    expect(page.get_by_text(re.compile("may read #default but not write"))).to_be_visible()
    expect(page.get_by_role("textbox", name="Message")).to_be_disabled()
    expect(page.get_by_role("button", name="Send")).to_be_disabled()


def test_a_private_channel_stays_hidden_from_a_member_without_r(open_as, owner, member, chatroom):
    private = channel_create(chatroom=chatroom, name="staff-only", public=False)
    post(owner, chatroom, "the staff secret", channel_id=private.pk)

    owner_page, _ = open_as(owner, f"/chat/{chatroom.pk}/")
    channels = owner_page.get_by_role("navigation", name="Channels")
    channels.get_by_role("button", name=re.compile("staff-only")).click()
    expect(articles(owner_page).filter(has_text="the staff secret")).to_have_count(1)

    member_page, _ = open_as(member, f"/chat/{chatroom.pk}/")
    composer_ready(member_page)
    expect(member_page.get_by_role("navigation", name="Channels").get_by_role("button")).to_have_text(["# default"])
    assert "staff secret" not in member_page.content()


def test_older_messages_load_as_the_person_scrolls_up(open_as, owner, chatroom):
    for number in range(80):
        post(owner, chatroom, f"message number {number}")

    page, _console = open_as(owner, f"/chat/{chatroom.pk}/")
    composer_ready(page)
    expect(articles(page).last).to_contain_text("message number 79")
    expect(articles(page)).to_have_count(50)

    page.get_by_role("log", name="Messages").evaluate("log => { log.scrollTop = 0; }")

    expect(articles(page)).to_have_count(81)  # all 80 and the welcome message, each once
    expect(articles(page).first).to_contain_text("Welcome")


def test_a_message_with_script_in_it_runs_nothing(open_as, owner, member, chatroom):
    post(member, chatroom, '<img src=x onerror="document.title=\'owned\'"><script>document.title="owned"</script>hi')
    page, console = open_as(owner, f"/chat/{chatroom.pk}/")
    composer_ready(page)

    shown = articles(page).filter(has_text="hi")
    expect(shown).to_have_count(1)
    page.wait_for_timeout(300)
    assert page.title() == "Tea room · chatsite"
    assert shown.locator("script, img[onerror]").count() == 0
    assert console.problems() == []


def test_html_with_script_is_shown_sanitised_and_runs_nothing(open_as, owner, member, chatroom):
    access = access_of(Participant.objects.get(user=member, chatroom=chatroom))
    body = '<p>look <b>here</b><img src=x onerror="document.title=1"><script>document.title=2</script></p>'
    message_post(access=access, channel_id=access.default_channel.id, body=body, fmt=Message.Format.HTML)
    page, console = open_as(owner, f"/chat/{chatroom.pk}/")
    composer_ready(page)

    shown = articles(page).filter(has_text="look here")
    expect(shown.locator("b")).to_have_text("here")  # the server's sanitised HTML is HTML
    page.wait_for_timeout(300)
    assert page.title() == "Tea room · chatsite"
    assert shown.locator("script, [onerror]").count() == 0
    assert console.problems() == []


def test_names_with_markup_are_shown_as_text(open_as, owner, chatroom, make_user):
    from chat.services.chatrooms import chatroom_rename
    from chat.services.participants import participant_add

    chatroom_rename(chatroom=chatroom, name='<img src=x onerror="document.title=1">Tea')
    guest = make_user("guest", display_name="<b>Bold</b> <script>document.title=2</script>")
    participant_add(chatroom=chatroom, user=guest)
    post(guest, chatroom, "hello")
    page, _console = open_as(owner, f"/chat/{chatroom.pk}/")
    composer_ready(page)

    expect(page.get_by_role("heading", level=1)).to_have_text('<img src=x onerror="document.title=1">Tea')
    expect(page.get_by_role("list", name="Participants")).to_contain_text("<b>Bold</b>")
    expect(articles(page).filter(has_text="hello").locator(".author")).to_have_text(
        "<b>Bold</b> <script>document.title=2</script>"
    )
    assert page.locator("main img, main b, aside b").count() == 0
    page.wait_for_timeout(300)
    assert page.title() == '<img src=x onerror="document.title=1">Tea · chatsite'  # as text, untouched by script


def test_new_chatroom_rename_and_leave(open_as, owner, member):
    page, _console = open_as(member, "/")
    page.get_by_role("button", name="New chatroom").click()
    page.get_by_label("Name", exact=True).fill("Book club")
    page.get_by_role("button", name="Create").click()

    expect(page.get_by_role("heading", name="Book club")).to_be_visible()
    chatroom = Chatroom.objects.get(name="Book club")
    expect(page).to_have_url(re.compile(rf"/chat/{chatroom.pk}/$"))
    assert Participant.objects.get(chatroom=chatroom, user=member).role == Participant.Role.OWNER

    page.get_by_role("button", name="Rename").click()
    page.get_by_label("Name", exact=True).fill("Reading circle")
    page.get_by_role("button", name="Rename", exact=True).last.click()
    expect(page.get_by_role("heading", name="Reading circle")).to_be_visible()
    expect(page.get_by_role("navigation", name="Chatrooms").get_by_role("link", name="Reading circle")).to_be_visible()
    chatroom.refresh_from_db()
    assert chatroom.name == "Reading circle"

    page.get_by_role("button", name="Leave").click()
    page.get_by_role("dialog").get_by_role("button", name="Leave").click()
    expect(page.get_by_role("navigation", name="Chatrooms").get_by_role("link", name="Reading circle")).to_have_count(0)
    assert not Participant.objects.active().filter(chatroom=chatroom, user=member).exists()


def test_invite_by_picking_a_user(open_as, owner, chatroom, make_user):
    make_user("newfriend")
    page, _console = open_as(owner, f"/chat/{chatroom.pk}/")
    composer_ready(page)

    page.get_by_role("button", name="Invite").click()
    page.get_by_label("Find people").fill("newf")
    page.get_by_role("button", name="Add newfriend").click()

    expect(page.get_by_role("dialog").get_by_text("added")).to_be_visible()
    assert Participant.objects.active().filter(chatroom=chatroom, user__username="newfriend").exists()
    page.get_by_role("button", name="Close").click()
    expect(page.get_by_role("list", name="Participants")).to_contain_text("newfriend")


def test_an_invite_link_brings_in_a_new_person_who_signs_up(open_as, owner, chatroom):
    page, _console = open_as(owner, f"/chat/{chatroom.pk}/")
    composer_ready(page)
    page.get_by_role("button", name="Invite").click()
    page.get_by_role("button", name="Create an invite link").click()
    link = page.get_by_label("Invite link")
    expect(link).to_have_value(re.compile(r"/join/"))
    url = link.input_value()

    visitor, console = open_as(None, url)
    visitor.get_by_role("link", name="Sign up").click()
    visitor.get_by_label("Username").fill("newcomer")
    visitor.get_by_label("Password", exact=True).fill("a long enough passphrase 42")
    visitor.get_by_label("Password again").fill("a long enough passphrase 42")
    visitor.get_by_role("button", name="Sign up").click()

    expect(visitor).to_have_url(re.compile(rf"/chat/{chatroom.pk}/$"))
    expect(visitor.get_by_role("heading", name="Tea room")).to_be_visible()
    assert Participant.objects.active().filter(chatroom=chatroom, user__username="newcomer").exists()
    assert console.problems() == []


def test_an_admin_creates_a_private_channel(open_as, owner, member, chatroom):
    page, _console = open_as(owner, f"/chat/{chatroom.pk}/")
    composer_ready(page)

    page.get_by_role("button", name="New channel").click()
    page.get_by_label("Name", exact=True).fill("planning")
    page.get_by_label("Everyone in the chatroom may read and write").uncheck()
    page.get_by_role("button", name="Create").click()

    expect(
        page.get_by_role("navigation", name="Channels").get_by_role("button", name=re.compile("planning"))
    ).to_have_attribute("aria-current", "true")
    channel = chatroom.channels.get(name="planning")
    assert channel.public is False
    member_page, _ = open_as(member, f"/chat/{chatroom.pk}/")
    composer_ready(member_page)
    expect(member_page.get_by_role("navigation", name="Channels").get_by_role("button")).to_have_text(["# default"])


def test_a_member_sees_no_admin_controls(open_as, member, chatroom):
    page, _console = open_as(member, f"/chat/{chatroom.pk}/")
    composer_ready(page)

    expect(page.get_by_role("button", name="New channel")).to_be_hidden()
    expect(page.get_by_role("button", name="Channel settings")).to_be_hidden()


def test_keyboard_alone_reaches_the_composer_and_sends(open_as, member, chatroom):
    page, _console = open_as(member, f"/chat/{chatroom.pk}/")
    composer_ready(page)
    box = page.get_by_role("textbox", name="Message")

    for _ in range(40):
        page.keyboard.press("Tab")
        if box.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the composer")
    page.keyboard.type("typed without a mouse")
    page.keyboard.press("Enter")

    expect(articles(page).filter(has_text="typed without a mouse")).not_to_have_class(re.compile("pending"))


@pytest.mark.parametrize("width", [360, 1280])
def test_readable_at_phone_and_desktop_width(open_as, member, chatroom, width):
    post(member, chatroom, "a rather long message " * 20)
    page, _console = open_as(member, f"/chat/{chatroom.pk}/", viewport={"width": width, "height": 740})
    composer_ready(page)

    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    for box in (page.get_by_role("textbox", name="Message"), page.get_by_role("searchbox", name="Search messages")):
        bounds = box.bounding_box()
        assert bounds is not None and bounds["x"] >= 0 and bounds["x"] + bounds["width"] <= width
    expect(page.get_by_role("button", name="Send")).to_be_in_viewport()


def test_dark_mode_follows_the_system(open_as, member, chatroom):
    light, _ = open_as(member, f"/chat/{chatroom.pk}/", color_scheme="light")
    dark, _ = open_as(member, f"/chat/{chatroom.pk}/", color_scheme="dark")

    def background(page) -> tuple[int, ...]:
        value = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        return tuple(int(part) for part in re.findall(r"\d+", value)[:3])

    assert sum(background(light)) > 600
    assert sum(background(dark)) < 150


def test_the_author_edits_and_deletes_their_own_message(open_as, member, chatroom):
    mine = post(member, chatroom, "a typo hre")
    page, console = open_as(member, f"/chat/{chatroom.pk}/")
    composer_ready(page)
    article = articles(page).filter(has_text="a typo hre")

    article.hover()
    article.get_by_role("button", name="Edit").click()
    editor = article.get_by_role("textbox", name="Edit message")
    editor.fill("a typo here")
    editor.press("Enter")

    edited = articles(page).filter(has_text="a typo here")
    expect(edited).to_contain_text("(edited)")
    mine.refresh_from_db()
    assert mine.body == "a typo here" and mine.edited_at is not None

    edited.hover()
    edited.get_by_role("button", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()

    expect(articles(page).filter(has_text="a typo here")).to_have_count(0)
    mine.refresh_from_db()
    assert mine.deleted_at is not None
    assert console.problems() == []


def test_only_ones_own_messages_offer_edit_and_an_admin_deletes_any(open_as, owner, member, chatroom):
    theirs = post(member, chatroom, "written by the member")

    member_view, _ = open_as(member, f"/chat/{chatroom.pk}/")
    composer_ready(member_view)
    post(owner, chatroom, "written by the owner")
    member_view.reload()
    composer_ready(member_view)
    owners = articles(member_view).filter(has_text="written by the owner")
    expect(owners.get_by_role("button", name="Edit")).to_have_count(0)
    expect(owners.get_by_role("button", name="Delete")).to_have_count(0)

    admin_view, _ = open_as(owner, f"/chat/{chatroom.pk}/")
    composer_ready(admin_view)
    members = articles(admin_view).filter(has_text="written by the member")
    expect(members.get_by_role("button", name="Edit")).to_have_count(0)
    members.hover()
    members.get_by_role("button", name="Delete").click()
    admin_view.get_by_role("dialog").get_by_role("button", name="Delete").click()

    expect(articles(admin_view).filter(has_text="written by the member")).to_have_count(0)
    theirs.refresh_from_db()
    assert theirs.deleted_at is not None


def test_search_finds_messages_of_the_chatroom(open_as, owner, member, chatroom, make_user):
    post(member, chatroom, "the rhubarb is ready to pick")
    post(member, chatroom, "nothing to see here")
    page, _console = open_as(owner, f"/chat/{chatroom.pk}/")
    composer_ready(page)

    search = page.get_by_role("searchbox", name="Search messages")
    search.fill("rhubarb")
    search.press("Enter")

    results = page.get_by_role("region", name="Search results")
    expect(results.get_by_role("article")).to_have_count(1)
    expect(results).to_contain_text("the rhubarb is ready to pick")
    page.get_by_role("button", name="Close search").click()
    expect(results).to_be_hidden()

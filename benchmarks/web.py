"""The web client on a slow phone's budget, and its screenshots, from a real browser against a production server.

`make bench-web` measures, in Debian's chromium driven by Playwright, against the production settings (debug
off, WhiteNoise serving the compressed static files that `collectstatic` made) under uvicorn, which serves the
pages and the event stream together:

- the bytes of a chatroom's first load as they crossed the wire (compressed), without avatars: the page, its
  scripts and styles, and the API answers it reads; the budget is 150 KB;
- the time from navigation to the chatroom showing its messages (median of several loads); the budget is 1 s.

`make screenshots` draws the README's pictures (desktop and phone width, light and dark) from the same setup.
Neither is part of `make test`.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

from tests.servers import app_env, manage, uvicorn
from tests.web.browser import CHROMIUM, CHROMIUM_FLAGS

ROOT = Path(__file__).resolve().parent.parent
BUDGET_BYTES = 150 * 1024
BUDGET_SECONDS = 1.0
PASSWORD = "a long enough passphrase 42"

SEED = """
from datetime import timedelta
from chat.models import Message, User
from chat.access import chatroom_access
from chat.services.chatrooms import channel_create, chatroom_create
from chat.services.messages import message_post
from chat.services.participants import participant_add
from chat.services.presence import presence_touch

names = ["ada", "grace", "linus", "margaret", "ken"]
users = {name: User.objects.create_user(name, password=PASSWORD, display_name=name.title()) for name in names}
room = chatroom_create(creator=users["ada"], name="Garden club")
for name in names[1:]:
    participant_add(chatroom=room, user=users[name])
channel_create(chatroom=room, name="seeds", public=True)
channel_create(chatroom=room, name="committee", public=False)
chatroom_create(creator=users["ada"], name="Allotment 12")
chatroom_create(creator=users["grace"], name="Tool library")
lines = [
    ("grace", "Morning! The tomatoes on the south bed are finally turning red."),
    ("linus", "Nice. Mine split after the rain last week :("),
    ("margaret", "Water less often but more deeply, that helps with splitting."),
    ("ken", "Is anyone going to the seed swap on Saturday?"),
    ("ada", "I am! @grace do you still have spare basil seedlings?"),
    ("grace", "Plenty. I'll bring a tray."),
]
for number in range(int(COUNT)):
    author, text = lines[(number - int(COUNT)) % len(lines)]  # the story's lines come last, in order
    access = chatroom_access(user=users[author], chatroom_id=room.pk)
    presence_touch(participant=access.participant)
    body = text if number >= int(COUNT) - 6 else f"{text} ({number})"
    message_post(access=access, channel_id=access.default_channel.id, body=body)
print(room.pk)
"""


@contextmanager
def seeded_server(messages: int) -> Iterator[tuple[str, str]]:
    """uvicorn on a fresh SQLite database with a chatroom of `messages` messages: (base URL, chatroom id)."""
    with tempfile.TemporaryDirectory(prefix="chatsite-web-") as folder:
        env = app_env(
            DATABASE_URL=f"sqlite:///{folder}/db.sqlite3",
            CHAT_SIGNUPS_PER_ADDRESS="1000",
        )
        manage("migrate", "--noinput", env=env)
        manage("collectstatic", "--noinput", env=env)
        seed = SEED.replace("PASSWORD", repr(PASSWORD)).replace("COUNT", str(messages))
        chatroom_id = manage("shell", "-c", seed, env=env).stdout.strip().splitlines()[-1]
        # uvicorn serves the pages, the API and the event stream alike, so the page is live as in production.
        with uvicorn(env) as server:
            yield server.url, chatroom_id


def logged_in_page(browser: Browser, base: str, **options: object) -> Page:
    context = browser.new_context(base_url=base, **options)  # type: ignore[arg-type]
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
    return page


def first_load(page: Page, url: str) -> tuple[int, float]:
    """The compressed bytes of one cold load of the chatroom (avatars aside) and the seconds until it shows
    its messages."""
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.setCacheDisabled", {"cacheDisabled": True})
    sizes: dict[str, int] = {}
    urls: dict[str, str] = {}
    session.on("Network.responseReceived", lambda event: urls.__setitem__(event["requestId"], event["response"]["url"]))
    session.on(
        "Network.loadingFinished",
        lambda event: sizes.__setitem__(event["requestId"], int(event["encodedDataLength"])),
    )
    started = time.perf_counter()
    page.goto(url)
    page.get_by_role("log", name="Messages").get_by_role("article").last.wait_for()
    shown = time.perf_counter() - started
    page.wait_for_load_state("networkidle")
    counted = sum(size for request, size in sizes.items() if "/Avatar/" not in urls.get(request, ""))
    session.detach()
    return counted, shown


def measure(browser: Browser, base: str, chatroom_id: str, loads: int) -> dict[str, float]:
    page = logged_in_page(browser, base)
    url = f"{base}/chat/{chatroom_id}/"
    first_load(page, url)  # the server's first answers warm its caches, as any running server's are
    results = [first_load(page, url) for _ in range(loads)]
    return {
        "bytes": max(size for size, _ in results),
        "seconds": statistics.median(seconds for _, seconds in results),
    }


def screenshots(browser: Browser, base: str, chatroom_id: str, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for name, viewport in (("desktop", {"width": 1280, "height": 760}), ("phone", {"width": 360, "height": 740})):
        for scheme in ("light", "dark"):
            page = logged_in_page(browser, base, viewport=viewport, color_scheme=scheme)
            page.goto(f"/chat/{chatroom_id}/")
            page.get_by_role("log", name="Messages").get_by_role("article").last.wait_for()
            page.wait_for_timeout(300)
            path = folder / f"chat-{name}-{scheme}.png"
            page.screenshot(path=str(path))
            made.append(path)
            page.context.close()
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screenshots", type=Path, help="draw the README's screenshots into this folder")
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--loads", type=int, default=7)
    args = parser.parse_args()
    if CHROMIUM is None:
        print("Needs Debian's chromium: apt-get install -y chromium", file=sys.stderr)
        return 2
    os.chdir(ROOT)
    with seeded_server(args.messages if not args.screenshots else 40) as (base, chatroom_id), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        if args.screenshots:
            for path in screenshots(browser, base, chatroom_id, args.screenshots):
                print(f"{path} ({path.stat().st_size // 1024} KB)")
            return 0
        result = measure(browser, base, chatroom_id, args.loads)
    kb = result["bytes"] / 1024
    print(f"first load of a chatroom ({args.messages} messages): {kb:.1f} KB compressed (budget 150 KB)")
    print(f"messages shown after: {result['seconds'] * 1000:.0f} ms, median of {args.loads} (budget 1000 ms)")
    return 0 if result["bytes"] <= BUDGET_BYTES and result["seconds"] <= BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())

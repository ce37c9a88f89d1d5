"""How every real-browser run here starts Debian's chromium (the tests, `make bench-web`, `make screenshots`)."""

import shutil

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# A fresh headless profile that reaches for nothing beyond the server under test (this machine's network is closed).
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

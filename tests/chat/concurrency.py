"""Runs a function in real threads that start together, each on its own database connection."""

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def run_together(count: int, work: Callable[[int], Any]) -> list[tuple[str, Any]]:
    """Runs work(0..count-1) in `count` threads released at once; answers ("ok", result) or ("error", exception)."""
    barrier = threading.Barrier(count)
    outcomes: list[tuple[str, Any]] = [("missing", None)] * count

    def worker(number: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[number] = ("ok", work(number))
        except Exception as error:  # every failure is an outcome the test inspects
            outcomes[number] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return outcomes

"""The project's settings plus one bare Django view, the benchmark's baseline (never shipped in chatsite/)."""

from chatsite.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"

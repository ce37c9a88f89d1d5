"""The canonical form of a username and its look-alike skeleton."""

import pytest

from chat.usernames import canonical_username, username_skeleton

CYRILLIC = "\u0430dmin"  # Cyrillic a
DOTLESS = "adm\u0131n"  # dotless i
FULL_WIDTH = "\uff41\uff44\uff4d\uff49\uff4e"
COMBINING = "admi\u0301n"  # i + combining acute accent
PRECOMPOSED = "adm\u00edn"


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("admin", "admin"),
        ("ADMIN", "admin"),
        (FULL_WIDTH, "admin"),
        ("\uff21\uff24\uff2d\uff29\uff2e", "admin"),  # full-width capitals
        (" admin ", "admin"),
        ("Stra\u00dfe", "strasse"),  # case folding, where lower() would keep the sharp s
        (COMBINING, PRECOMPOSED),  # composed: one name however it was typed
    ],
)
def test_the_canonical_form_folds_width_case_and_composition(name, canonical):
    assert canonical_username(name) == canonical


@pytest.mark.parametrize("name", [CYRILLIC, DOTLESS])
def test_look_alikes_keep_their_own_canonical_form(name):
    # Different names: they cannot log in as `admin`; the skeleton is what stops them being created.
    assert canonical_username(name) != "admin"


@pytest.mark.parametrize("name", ["admin", "ADMIN", CYRILLIC, DOTLESS, FULL_WIDTH, COMBINING, PRECOMPOSED])
def test_look_alikes_share_a_skeleton(name):
    assert username_skeleton(name) == username_skeleton("admin")


@pytest.mark.parametrize(("one", "other"), [("alice", "bob"), ("anna", "hanna"), ("carol", "carl")])
def test_different_names_have_different_skeletons(one, other):
    assert username_skeleton(one) != username_skeleton(other)

"""The one normal form of a username, and its confusable skeleton.

A username is stored as typed (NFKC-normalised, as Django does), but it is unique, and looked up, by its
canonical form: NFKC then case folding (Unicode's NFKC_Casefold, in effect), so that `ADMIN`, `admin` and
`admin` in full-width letters are one name on every database. A new name whose skeleton (each character mapped
to the prototype it can be mistaken for, in Unicode's confusables data as `confusable-homoglyphs` ships it;
accents dropped) equals an existing name's is refused: `admin` with a Cyrillic a, with a dotless i or with an
accent on the i all look like `admin`.
"""

import functools
import unicodedata

from confusable_homoglyphs.confusables import confusables_data

# Longer than any username can make: 150 characters, each at most three once case-folded.
CANONICAL_MAX_LENGTH = 600


def canonical_username(username: str) -> str:
    """The form a username is unique and looked up by: NFKC, case-folded, NFKC again (folding can denormalise)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username.strip()).casefold())


@functools.cache
def _prototype(character: str) -> str:
    """The character (or sequence) that `character` can be mistaken for; itself when it is a prototype."""
    entries = confusables_data.get(character)
    if not entries:
        return character
    # The data lists, for a prototype, every character confusable with it, and for any other character just its
    # prototype. A prototype with a single look-alike is listed the same way as that look-alike: map both to one.
    if len(entries) == 1:
        target = entries[0]["c"].strip("\u200e")
        back = confusables_data.get(target, [])
        if len(back) == 1 and back[0]["c"].strip("\u200e") == character:
            return min(character, target)
        return target
    return character


def username_skeleton(username: str) -> str:
    """What a username looks like: two names with one skeleton are confusable (UTS #39, accents dropped too)."""
    decomposed = unicodedata.normalize("NFD", canonical_username(username))
    mapped = "".join(_prototype(character) for character in decomposed)
    return "".join(
        character
        for character in unicodedata.normalize("NFD", mapped).casefold()
        if unicodedata.category(character) != "Mn"
    )

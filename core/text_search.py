"""Search text the way German members type it: case-, umlaut- and accent-insensitive."""

import unicodedata

_SPELLED_OUT = (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss"))


# Every member's names are stored folded (core.models.people, migration 0020) for the clerk
# search: a change to fold() wants a migration that folds them again.
def fold(text: str) -> str:
    """'Zahnaerztin', 'ZAHNÄRZTIN' and 'zahnärztin' agree; so do 'Broschuere' and 'Broschüre'."""
    folded = text.casefold()
    for umlaut, spelled in _SPELLED_OUT:
        folded = folded.replace(umlaut, spelled)
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(char for char in decomposed if not unicodedata.combining(char))

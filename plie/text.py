"""Text helpers shared by the search, the validators and the exports."""

import re
import unicodedata


def search_key(text: str) -> str:
    """Lower case, without accents or punctuation: 'Lefèvre' and 'LEFEVRE' give 'lefevre'."""
    decomposed = unicodedata.normalize("NFKD", text)
    without_marks = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[^a-z0-9]", "", without_marks.lower())


def counted(count: int, singular: str, plural: str = "") -> str:
    """A count with its words agreed in French: '1 ligne', '0 ligne', '3 lignes'.

    French keeps the singular below two. `plural` defaults to `singular` with an "s"; give it
    when more than one word agrees ('inscription passée' / 'inscriptions passées').
    """
    return f"{count} {singular if abs(count) < 2 else (plural or singular + 's')}"

"""Text helpers shared by the search, the validators and the exports."""

import re
import unicodedata


def search_key(text: str) -> str:
    """Lower case, without accents or punctuation: 'Lefèvre' and 'LEFEVRE' give 'lefevre'."""
    decomposed = unicodedata.normalize("NFKD", text)
    without_marks = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[^a-z0-9]", "", without_marks.lower())

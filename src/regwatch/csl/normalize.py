"""Text normalization shared by the CSL reader and reconciliation.

Two levels: `clean_text` tidies a string for display and storage (whitespace, stray control
characters, list punctuation) without changing its meaning; `match_key` folds it further into a
comparison key (case, accents, punctuation, spacing) so "Sense Time" == "SenseTime" and
"Co., Ltd." == "Co. Ltd".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_C1 = re.compile(r"[\x80-\x9f]")
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")
_NON_ALNUM = re.compile(r"[\W_]+")


def _fix_c1(match: re.Match[str]) -> str:
    """C1 controls in CSL extracts are Windows-1252 bytes decoded as Latin-1 (0x92 = ’)."""
    try:
        return match.group().encode("latin-1").decode("cp1252")
    except UnicodeDecodeError:
        return " "


def clean_text(value: object) -> str | None:
    """Whitespace-normalized, NFC text; None for empty/missing values.

    Leading/trailing list punctuation (";", ",", ":") left over from joined source fields is
    dropped; a trailing "." is kept because it usually belongs to an abbreviation ("Ltd.").
    """
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    text = _C1.sub(_fix_c1, text)
    text = unicodedata.normalize("NFC", text)
    text = _SPACES.sub(" ", text).strip(" ;,:")
    return text or None


def clean_list(values: Iterable[object]) -> tuple[str, ...]:
    """`clean_text` over a sequence, dropping empties and exact duplicates (order kept)."""
    seen: dict[str, None] = {}
    for value in values:
        text = clean_text(value)
        if text is not None:
            seen.setdefault(text, None)
    return tuple(seen)


def match_key(value: str | None) -> str:
    """Comparison key: NFKD, accents removed, casefolded, '&' read as 'and', letters/digits only.

    Dropping every separator makes spacing and punctuation variants equal ("B–CAT" == "BCAT",
    "Co.,Ltd" == "Co. Ltd."). The false-merge risk is negligible at Entity List scale.
    """
    if not value:
        return ""
    text = unicodedata.normalize("NFKD", _C1.sub(_fix_c1, value))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("&", " and ")
    return _NON_ALNUM.sub("", text)


def policy_key(value: str | None) -> str:
    """Comparison key for license requirement/policy sentences.

    Case, spacing, the "§ 744.11" vs "§744.11" gap, "; and" vs ";" between clauses and final
    punctuation are not meaningful.
    """
    if not value:
        return ""
    text = clean_text(value) or ""
    text = text.replace("\u00a7 ", "\u00a7").replace("\u2009", "")
    text = re.sub(r";\s*and\s+", "; ", text, flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", text).strip(" .;").casefold()


def join_address(parts: Iterable[str | None]) -> str | None:
    """One display string for an address's parts, skipping empty ones."""
    cleaned = [c for c in (clean_text(p) for p in parts) if c]
    return ", ".join(cleaned) or None


_PAREN_AKA = re.compile(r"\s*\(\s*A\.?K\.?A\.?\s*:?\s*([^)]+)\)\s*", re.IGNORECASE)
_DASH_AKA = re.compile(r"\s*-\s*AKA\s*-\s*", re.IGNORECASE)
_COMMA_AKA = re.compile(r",\s*a\.k\.a\.?,?\s+", re.IGNORECASE)


def split_embedded_aliases(name: str) -> tuple[str, tuple[str, ...]]:
    """Move aliases written into a name out of it.

    Older Denied Persons records carry them inline: "JIE LUO -AKA- IVY LUO",
    "KOLOKOL (AKA: ALDRICH AMES)", "PEARL (A.K.A. NEI-CHIEN CHU) LI" (-> "PEARL LI"), and one
    Entity List record "X Ltd., a.k.a. Y". The official string stays in `ListEntry.original`.
    """
    aliases: list[str] = []

    def take(match: re.Match[str]) -> str:
        aliases.append(match.group(1))
        return " "

    text = _PAREN_AKA.sub(take, name)
    for pattern in (_DASH_AKA, _COMMA_AKA):
        parts = pattern.split(text)
        if len(parts) > 1:
            text, aliases[:0] = parts[0], parts[1:]
            break
    cleaned = clean_text(text)
    if not cleaned:
        return name, ()
    return cleaned, clean_list(aliases)

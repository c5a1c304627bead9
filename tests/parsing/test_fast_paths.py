"""The speed-ups must give exactly the answer of the plain code they short-cut.

Each fast path (see docs/parsing.md, "Performance") is compared with the straightforward
regex or loop it replaces, on generated text made of the characters that matter to it.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from regwatch.parsing import amdpar, entity
from regwatch.parsing.fr_xml import _DOCTYPE, _has_doctype
from regwatch.parsing.text import _SPACES, clean

FAST = settings(max_examples=300, deadline=None)


def _text(*pieces: str, max_size: int = 16) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(pieces), max_size=max_size).map("".join)


@FAST
@given(st.text(max_size=40) | _text(" ", "  ", "\u2009", "\u00a0", "\n", "a", "\u200b", "\ufeff"))
def test_clean_fast_path_equals_the_regex(text: str) -> None:
    clean.cache_clear()
    assert clean(text) == _SPACES.sub(" ", text).strip()


@FAST
@given(_text("<", "!", "<!", " ", "DOCTYPE", "doctype", "x", "\n", "<!--", "ENTITY", max_size=12))
def test_doctype_scan_equals_the_regex(text: str) -> None:
    data = text.encode()
    assert _has_doctype(data) == bool(_DOCTYPE.search(data))


_INLINE_BULLET = re.compile(r"(?:(?<=[:;])|(?<=\band))\s*(?=[—–]\s*\S)")


@FAST
@given(_text("and", "and ", "band", ":", ";", " ", "\u2009", "—", "–", "-", "x", "_", "é", "\n"))
def test_inline_bullet_split_equals_the_lookbehind_regex(line: str) -> None:
    assert entity._split_inline_bullets(line) == _INLINE_BULLET.split(line)


@FAST
@given(
    _text(
        "a.k.a.",
        "A. K. A.",
        "f.k.a.",
        "also known as",
        "formerly  known as",
        ",",
        " ",
        "\n",
        "Co",
        "xa.k.a.",
        " the following two aliases:",
    ),
    st.integers(0, 20),
)
def test_alias_intro_found_from_the_keyword_equals_the_search(text: str, pos: int) -> None:
    pos = min(pos, len(text))
    fast, slow = entity._find_intro(text, pos), entity._INTRO.search(text, pos)
    assert (fast and (fast.span(), fast.groupdict())) == (slow and (slow.span(), slow.groupdict()))


def _naive_longest_prefix(text: str, names: list[str]) -> int:
    """The loop `KnownNames` replaces: longest name first, first one the cell starts with."""
    folded_text = entity.fold(text)
    for name in sorted(names, key=len, reverse=True):
        folded = entity.fold(name)
        same_length = len(folded) == len(name)
        if (
            name
            and same_length
            and folded_text.startswith(folded)
            and entity._ends_name(text, len(name))
        ):
            return len(name)
    return 0


@FAST
@given(
    st.lists(
        _text("Huawei", " ", "Co", ".", ",", "Ltd", "’", "'", "İ", "A", max_size=6), max_size=6
    ),
    _text("Huawei", " ", "Co", ".", ",", "Ltd", "’", "'", "İ", "A", "\n", ";", max_size=10),
)
def test_known_names_lookup_equals_the_longest_first_loop(names: list[str], text: str) -> None:
    known = entity.KnownNames(names)
    assert known.longest_prefix(text, entity.fold(text)) == _naive_longest_prefix(text, names)


_PLAIN_VERB = re.compile(
    r"\b(adding|add|revising|revise|removing|remove|correcting|correct)\b", re.IGNORECASE
)


@FAST
@given(_text("add", "adding", "Revise", "removing", "correct", "ſ", "K", " ", "x", "\x00", "1"))
def test_first_letter_guard_does_not_change_the_verb_matches(text: str) -> None:
    fast = [m.span() for m in amdpar._VERB.finditer(text)]
    assert fast == [m.span() for m in _PLAIN_VERB.finditer(text)]


@FAST
@given(
    _text("two ", "twenty-eight ", "an ", "12 ", "Chinese ", "new ", "entities", "entry", " ", "x")
)
def test_first_letter_guard_does_not_change_the_count_match(text: str) -> None:
    plain = re.compile(amdpar._COUNT.pattern.removeprefix(r"(?=[\dtfsenoaTFSENOA])"), re.I)
    fast, slow = amdpar._COUNT.search(text), plain.search(text)
    assert (fast and fast.span()) == (slow and slow.span())


def test_clear_caches_forgets_every_memo_of_the_package() -> None:
    """The benchmark's honesty rests on this: no memo survives from one pass to the next."""
    import functools
    import importlib
    import pkgutil

    import regwatch.parsing as package
    from regwatch.parsing.text import clear_caches

    memos = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"regwatch.parsing.{info.name}")
        memos += [
            obj
            for obj in vars(module).values()
            if isinstance(obj, functools._lru_cache_wrapper) and obj.__module__ == module.__name__
        ]
    assert memos
    for memo in memos:
        memo("x") if memo.__wrapped__.__code__.co_argcount == 1 else memo("x", "y")
    clear_caches()
    assert [m for m in memos if m.cache_info().currsize] == []

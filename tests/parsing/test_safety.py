# ruff: noqa: E501  (FR text is kept verbatim on one line)
"""Hostile and broken input: refused with ParseError / UnsafeDocumentError, never expanded."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regwatch.errors import ParseError, UnsafeDocumentError
from regwatch.models import FRDocument, ParsedDocument
from regwatch.parsing import parse_fr_html, parse_fr_xml

from ._helpers import FIXTURES_FR, load_document

DOC = FRDocument(
    document_number="2099-00001",
    title="t",
    type="Rule",
    publication_date=dt.date(2024, 1, 2),
    effective_date=None,
    citation=None,
    volume=89,
    start_page=100,
    end_page=101,
    html_url=None,
    full_text_xml_url=None,
    body_html_url=None,
    json_url=None,
    abstract=None,
    action=None,
    agencies=(),
    cfr_parts=(),
    correction_of=None,
)

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE RULE [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<RULE><AMDPAR>2. Supplement No. 4 to part 744 is amended by adding under IRAN, one entity.</AMDPAR>
<GPOTABLE><ROW><ENT>IRAN</ENT><ENT>&xxe;</ENT></ROW></GPOTABLE></RULE>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<RULE><P>&lol9;</P></RULE>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE RULE SYSTEM "http://127.0.0.1:9/evil.dtd">
<RULE><P>hello</P></RULE>"""


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    "payload", [XXE, LAUGHS, EXTERNAL_DTD], ids=["xxe", "billion-laughs", "dtd"]
)
def test_entity_and_dtd_documents_are_refused(payload: bytes) -> None:
    started = time.perf_counter()
    with pytest.raises(UnsafeDocumentError) as info:
        parse_fr_xml(payload, DOC)
    assert time.perf_counter() - started < 5
    assert "2099-00001" in str(info.value)
    assert isinstance(info.value, ParseError)


def test_entities_hidden_in_utf16_are_refused() -> None:
    with pytest.raises(UnsafeDocumentError):
        parse_fr_xml(XXE.replace(b'<?xml version="1.0"?>', b"").decode().encode("utf-16"), DOC)


@pytest.mark.parametrize(
    "payload",
    [b"", b"<RULE>", b"not xml at all", b"<RULE><AMDPAR>x</RULE>", b"\xff\xfe\x00"],
)
def test_malformed_xml_raises_parse_error(payload: bytes) -> None:
    with pytest.raises(ParseError):
        parse_fr_xml(payload, DOC)


def test_non_bytes_input_raises_parse_error() -> None:
    with pytest.raises(ParseError):
        parse_fr_xml("<RULE/>", DOC)  # type: ignore[arg-type]
    with pytest.raises(ParseError):
        parse_fr_html(None, DOC)  # type: ignore[arg-type]


def test_plain_doctype_without_entities_is_accepted() -> None:
    parsed = parse_fr_xml(b"<!DOCTYPE RULE><RULE><P>x</P></RULE>", DOC)
    assert parsed.changes == ()


REAL = (FIXTURES_FR / "xml" / "2024-20842.xml").read_bytes()
REAL_DOC = load_document(FIXTURES_FR, "2024-20842")
REAL_HTML = (FIXTURES_FR / "html" / "2024-20842.html").read_bytes()
TOKENS = [
    b"<ROW>",
    b"</ROW>",
    b"<ENT>",
    b"</ENT>",
    b"<LI>",
    b"</LI>",
    b"<SU>1</SU>",
    b"\xe2\x80\x94",
    b'<PRTPAGE P="1"/>',
    b"&amp;",
    b"&#x2009;",
    b"*",
    b"; and",
    b", a.k.a.",
    b"\xe2\x80\x9c",
    b'<AMDPAR>2. Supplement No. 4 to part 744 is amended by removing under X, the entry for "Y".</AMDPAR>',
    b"[INSERT FR PAGE NUMBER]",
    b'<!DOCTYPE x [<!ENTITY a "b">]>',
    b"\x00",
    b"\xff",
]


def _outcome(call: object) -> None:
    try:
        result = call()  # type: ignore[operator]
    except ParseError:
        return
    assert isinstance(result, ParsedDocument)
    for change in result.changes:
        assert change.action in ("add", "revise", "remove", "correct")


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["delete", "insert", "token", "truncate", "duplicate"]))
        pos = draw(st.integers(0, len(data)))
        if kind == "delete":
            del data[pos : pos + draw(st.integers(1, 200))]
        elif kind == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=20))
        elif kind == "token":
            data[pos:pos] = draw(st.sampled_from(TOKENS))
        elif kind == "truncate":
            del data[pos:]
        else:
            chunk = data[pos : pos + draw(st.integers(1, 400))]
            data[pos:pos] = chunk
    return bytes(data)


@pytest.mark.timeout(120)
@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(REAL))
def test_mutated_xml_returns_rows_or_parse_error(data: bytes) -> None:
    _outcome(lambda: parse_fr_xml(data, REAL_DOC))


@pytest.mark.timeout(120)
@settings(max_examples=60, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(REAL_HTML))
def test_mutated_html_returns_rows_or_parse_error(data: bytes) -> None:
    _outcome(lambda: parse_fr_html(data, REAL_DOC))


@pytest.mark.timeout(60)
@settings(max_examples=200, deadline=1000)
@given(st.lists(st.text(max_size=80), max_size=6))
def test_arbitrary_cell_text_never_crashes(lines: list[str]) -> None:
    from regwatch.parsing.entity import split_citations, split_entity_cell

    parts = split_entity_cell(lines)
    assert isinstance(parts.name, str)
    split_citations(" ".join(lines))


@pytest.mark.timeout(30)
def test_pathological_cell_is_fast() -> None:
    from regwatch.parsing.entity import split_entity_cell

    started = time.perf_counter()
    split_entity_cell(["A" + ", Co." * 5000 + " a.k.a." * 2000 + ". " * 5000 + "—x;" * 2000])
    assert time.perf_counter() - started < 10

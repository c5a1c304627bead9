"""FR API v1 document JSON -> FRDocument."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from regwatch.errors import ParseError
from regwatch.parsing import document_from_api_json

from ._helpers import FIXTURES_FR


def test_fields_from_real_format_json() -> None:
    data = json.loads((FIXTURES_FR / "documents" / "2021-08166.json").read_text())
    doc = document_from_api_json(data)
    assert doc.document_number == "2021-08166"
    assert doc.publication_date == dt.date(2021, 4, 21)
    assert doc.effective_date == dt.date(2021, 4, 21)
    assert (doc.volume, doc.start_page, doc.end_page) == (86, 20601, 20602)
    assert doc.citation == "86 FR 20601"
    assert doc.agencies == ("commerce-department", "industry-and-security-bureau")
    assert doc.cfr_parts == ("15 CFR 744",)
    assert doc.correction_of == "2021-07400" and doc.is_correction
    assert doc.full_text_xml_url is not None and doc.full_text_xml_url.endswith(
        "/documents/full_text/xml/2021/04/21/2021-08166.xml"
    )
    assert doc.raw["title"] == doc.title


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("https://www.federalregister.gov/api/v1/documents/2022-03029.json", "2022-03029"),
        ("http://127.0.0.1:8080/api/v1/documents/E8-28797.json?x=1", "E8-28797"),
        (
            "https://www.federalregister.gov/documents/2022/02/14/2022-03029/title-slug",
            "2022-03029",
        ),
        ("2022-03029", "2022-03029"),
        (None, None),
    ],
)
def test_correction_of_keeps_the_document_number(value: str | None, number: str | None) -> None:
    doc = document_from_api_json(
        {"document_number": "1", "publication_date": "2022-04-11", "correction_of": value}
    )
    assert doc.correction_of == number


def test_missing_or_bad_fields() -> None:
    with pytest.raises(ParseError):
        document_from_api_json({"publication_date": "2022-04-11"})
    with pytest.raises(ParseError):
        document_from_api_json({"document_number": "x", "publication_date": "April 11"})
    with pytest.raises(ParseError):
        document_from_api_json([])  # type: ignore[arg-type]
    doc = document_from_api_json({"document_number": "x", "publication_date": "2022-04-11"})
    assert doc.effective_date is None and doc.agencies == () and doc.cfr_parts == ()

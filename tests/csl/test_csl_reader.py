"""read_entries: the BIS lists of the CSL download, normalized, from JSON or CSV."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest

from regwatch.csl import read_entries, split_citations
from regwatch.csl.reader import iter_json_records, list_for_source
from regwatch.errors import ParseError
from regwatch.models import ListEntry

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "csl"
SAMPLE_JSON = FIXTURES / "consolidated.json"
SAMPLE_CSV = FIXTURES / "consolidated.csv"


def _by_name(entries: tuple[ListEntry, ...], name: str) -> ListEntry:
    return next(e for e in entries if e.name == name)


def test_only_the_four_bis_lists_are_kept() -> None:
    result = read_entries(SAMPLE_JSON)
    records = json.loads(SAMPLE_JSON.read_text(encoding="utf-8"))["results"]
    bis = [r for r in records if "Bureau of Industry and Security" in r["source"]]
    assert result.total_records == len(records)
    assert len(result) == len(bis)
    assert sum(result.other_sources.values()) == len(records) - len(bis)
    assert {e.list for e in result} == {
        "entity_list",
        "denied_persons",
        "unverified",
        "military_end_user",
    }
    assert all(e.source == "csl" for e in result)
    assert result.published_at == "2025-04-01T12:00:00+00:00"
    counts = result.counts()
    assert counts["entity_list"] == sum(r["source"].startswith("Entity List") for r in records)


def test_entity_normalization_keeps_the_original_strings() -> None:
    entries = read_entries(SAMPLE_JSON).entries
    logistics = _by_name(entries, "Example Logistics FZE")
    assert logistics.list == "entity_list"
    assert logistics.country == "AE"
    assert logistics.countries == ("AE", "IR")
    assert logistics.addresses == (
        "P.O. Box 12345, Jebel Ali Free Zone, Dubai, AE",
        "No. 34 Sample Street, Tehran, IR",
    )
    assert logistics.aliases == ("Example Logistics", "EL Freight FZE")
    assert logistics.federal_register_citations == ("76 FR 50407",)
    assert logistics.start_date == dt.date(2011, 8, 15)
    assert logistics.license_review_policy == "Presumption of denial."
    assert logistics.original["federal_register_notice"] == "76 FR 50407 (8/15/2011)"
    assert logistics.source_id == logistics.original["id"]


def test_whitespace_control_characters_and_bare_countries() -> None:
    entries = read_entries(SAMPLE_JSON).entries
    person = _by_name(entries, "EXAMPLE ADRIAN PERSON")  # leading space and double space
    assert person.original["name"] == " EXAMPLE ADRIAN  PERSON"
    assert person.addresses == ("3000 S. EXAMPLE DRIVE, PHOENIX, AZ, 85043, US",)
    israeli = _by_name(entries, "HA’Example Trading Ltd.")  # U+0092 read as cp1252 ’
    assert israeli.addresses == ("HA’Assif 19, Binyamina, IL",)
    uk = _by_name(entries, "EXAMPLE PERSON UK")
    assert (uk.country, uk.countries, uk.addresses) == ("GB", ("GB",), ())
    crimea = _by_name(entries, "Sample Crimea Shipyard")
    assert crimea.countries == ("UA",)
    assert crimea.addresses == ("Kerch, CRIMEA (OCCUPIED)",)
    marine = _by_name(entries, "Sample Marine Services LLC")
    assert marine.countries == ("OM", "AE")
    assert marine.addresses == ("Muscat, OM",)  # the country-only address is not an address
    assert marine.federal_register_citations == ()


def test_csv_and_json_downloads_give_the_same_entries() -> None:
    from_json = read_entries(SAMPLE_JSON)
    from_csv = read_entries(SAMPLE_CSV)
    assert from_csv.fmt == "csv" and from_json.fmt == "json"
    assert from_csv.entries == from_json.entries  # `original` is excluded from equality


def test_format_is_sniffed_without_an_extension(tmp_path: Path) -> None:
    plain = tmp_path / "download"
    plain.write_bytes(SAMPLE_CSV.read_bytes())
    assert read_entries(plain).fmt == "csv"
    plain.write_bytes(SAMPLE_JSON.read_bytes())
    assert read_entries(plain).fmt == "json"


def test_tab_separated_download(tmp_path: Path) -> None:
    tsv = tmp_path / "consolidated.tsv"
    lines = SAMPLE_CSV.read_text(encoding="utf-8").splitlines()
    import csv

    rows = list(csv.reader(lines))
    tsv.write_text("\n".join("\t".join(r) for r in rows) + "\n", encoding="utf-8")
    assert read_entries(tsv).entries == read_entries(SAMPLE_CSV).entries


def test_streaming_parser_handles_records_split_across_chunks() -> None:
    text = SAMPLE_JSON.read_text(encoding="utf-8")
    meta: dict[str, object] = {}
    records = list(iter_json_records(_Chunked(text, 7), meta))  # absurdly small reads
    assert records == json.loads(text)["results"]
    assert meta["search_performed_at"] == "2025-04-01T12:00:00+00:00"


@pytest.mark.parametrize("chunk", [1, 3, 64, 4096])
def test_iter_json_records_with_tiny_chunks(chunk: int) -> None:
    doc = {"a": 12345, "results": [{"x": 1.5, "s": "é" * 10}, {"x": -2}], "z": [1, 2]}
    text = json.dumps(doc, ensure_ascii=False)
    stream_meta: dict[str, object] = {}
    got = list(iter_json_records(_Chunked(text, chunk), stream_meta))
    assert got == doc["results"]
    assert stream_meta == {"a": 12345, "z": [1, 2]}


class _Chunked(io.StringIO):
    """A text file whose read(n) returns at most `chunk` characters."""

    def __init__(self, text: str, chunk: int) -> None:
        super().__init__(text)
        self._limit = chunk

    def read(self, size: int | None = -1) -> str:
        return super().read(self._limit if size is None or size < 0 else min(size, self._limit))


def test_a_bare_array_is_accepted() -> None:
    records = list(iter_json_records(io.StringIO('[{"source": "x"}, {"source": "y"}]')))
    assert records == [{"source": "x"}, {"source": "y"}]


def test_truncated_json_is_a_parse_error(tmp_path: Path) -> None:
    data = SAMPLE_JSON.read_text(encoding="utf-8")
    broken = tmp_path / "consolidated.json"
    broken.write_text(data[: len(data) // 2], encoding="utf-8")
    with pytest.raises(ParseError, match="truncated"):
        read_entries(broken)


def test_a_file_that_is_not_a_csl_download_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"results": [{"title": "no source here"}]}', encoding="utf-8")
    with pytest.raises(ParseError, match="not a CSL file"):
        read_entries(other)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Entity List (EL) - Bureau of Industry and Security", "entity_list"),
        ("Denied Persons List (DPL) - Bureau of Industry and Security", "denied_persons"),
        ("Unverified List (UVL) - Bureau of Industry and Security", "unverified"),
        ("Military End User (MEU) List - Bureau of Industry and Security", "military_end_user"),
        ("Specially Designated Nationals (SDN) - Treasury Department", None),
        ("ITAR Debarred (DTC) - State Department", None),
        ("EL", "entity_list"),
        ("", None),
        (None, None),
    ],
)
def test_list_for_source(source: str | None, expected: str | None) -> None:
    assert list_for_source(source) == expected


# ------------------------------------------------------------------ real data (../shared)


def test_real_list_has_exactly_3420_entity_list_entries(shared_dir: Path) -> None:
    path = shared_dir / "upstream" / "data" / "csl" / "consolidated.json"
    result = read_entries(path)
    assert result.total_records == 25_921
    assert result.counts() == {
        "entity_list": 3420,
        "denied_persons": 1596,
        "unverified": 222,
        "military_end_user": 70,
    }
    cited = [
        e for e in result.by_list()["entity_list"] if "84 FR 54002" in e.federal_register_citations
    ]
    assert len(cited) == 26
    hik = next(e for e in cited if e.name.startswith("Hangzhou Hikvision"))
    assert hik.aliases == ("Hikvision",)
    assert hik.countries == ("CN",)
    sensetime = next(e for e in cited if e.name.startswith("Beijing Sensetime"))
    assert sensetime.aliases == ("Beijing Shangtang Technology Development Co., Ltd.", "Sense Time")
    assert sensetime.federal_register_citations == (
        "84 FR 54002",
        "85 FR 34505",
        "85 FR 44159",
        "87 FR 62202",
    )
    with_aliases = [e for e in cited if e.aliases]
    assert len(with_aliases) >= 12


def test_real_list_json_and_csv_agree(shared_dir: Path) -> None:
    base = shared_dir / "upstream" / "data" / "csl"
    assert (
        read_entries(base / "consolidated.json").entries
        == read_entries(base / "consolidated.csv").entries
    )


def test_reference_extracts_with_full_addresses(shared_dir: Path) -> None:
    ref = shared_dir / "reference" / "csl"
    old = read_entries(ref / "csl_extract_2019.csv")
    assert old.counts()["entity_list"] == 22
    migeotte = [e for e in old if e.name == "Gunther Migeotte"]
    assert len(migeotte) == 5  # the 2019 list had one row per address group
    first = migeotte[0]
    assert first.countries == ("ZA",)
    assert len(first.addresses) == 4
    assert first.addresses[0] == "1 River Street, Rosebank, Cape Town, 7700, ZA"
    assert first.federal_register_citations == ("75 FR 36516", "77 FR 58006")
    gulf = next(e for e in old if e.name == "Gulf Gate Sea Cargo LLC")
    assert gulf.countries == ("AF", "AE")
    assert len(gulf.addresses) == 3
    new = read_entries(ref / "csl_extract_2025.csv")
    cetc = next(e for e in new if e.name.startswith("China Electronics Technology Group"))
    # "X; and Y; and Z, CN" is one address, not three
    assert len(cetc.addresses) == 1 and cetc.addresses[0].endswith("Hebei Province, CN")
    assert cetc.countries == ("CN",)
    assert cetc.start_date == dt.date(2018, 8, 1)


def test_legacy_bis_export_matches_a_third_party_parse(shared_dir: Path) -> None:
    """The 2015 legacy export (one row per address x alias) folds into the same 7 entities,
    addresses and aliases as the independent parse shipped beside it."""
    import yaml

    from regwatch.csl.normalize import match_key

    ref = shared_dir / "reference" / "csl"
    result = read_entries(ref / "bis_entity_list_legacy_export_2015.csv")
    expected = yaml.safe_load(
        (ref / "bis_entity_list_legacy_export_2015.parsed.yaml").read_text(encoding="utf-8")
    )
    assert len(result) == len(expected) == 7
    for got, want in zip(result, expected, strict=True):
        assert got.list == "entity_list"
        assert got.name == want[":name"]
        assert got.addresses == tuple(a[":full_address"] for a in want[":addresses"])
        assert got.countries == tuple(dict.fromkeys(a[":country"] for a in want[":addresses"]))
        # the export's cp1252 quotes are repaired here and dropped there: compare folded
        assert [match_key(a) for a in got.aliases] == [match_key(a) for a in want[":alt_names"]]
        assert got.federal_register_citations == split_citations(want[":federal_register_notice"])
        assert got.start_date == dt.date.fromisoformat(want[":start_date"])
        assert got.license_review_policy == want[":license_policy"]


@pytest.mark.parametrize(
    ("raw", "name", "aliases"),
    [
        ("KOLOKOL (AKA: ALDRICH AMES)", "KOLOKOL", ("ALDRICH AMES",)),
        ("PEARL (A.K.A. NEI-CHIEN CHU) LI", "PEARL LI", ("NEI-CHIEN CHU",)),
        ("KOW SENG LIM- AKA- ERIC LIM", "KOW SENG LIM", ("ERIC LIM",)),
        ("JIE LUO -AKA-IVY LUO", "JIE LUO", ("IVY LUO",)),
        ("Chitron Ltd., a.k.a. Chi-Chung Ltd. (Chitron-Shenzhen)", "Chitron Ltd.",
         ("Chi-Chung Ltd. (Chitron-Shenzhen)",)),
        ("Kakadu Akademie GmbH", "Kakadu Akademie GmbH", ()),
        ("(AKA: NOTHING LEFT)", "(AKA: NOTHING LEFT)", ()),
    ],
)  # fmt: skip
def test_aliases_written_into_names(raw: str, name: str, aliases: tuple[str, ...]) -> None:
    from regwatch.csl.normalize import split_embedded_aliases

    assert split_embedded_aliases(raw) == (name, aliases)


def test_inline_alias_in_the_sample_becomes_an_alias() -> None:
    zhou = _by_name(read_entries(SAMPLE_JSON).entries, "ZHENYONG SAMPLE")
    assert zhou.aliases == ("BENNY SAMPLE",)
    assert zhou.original["name"] == "ZHENYONG SAMPLE -AKA- BENNY  SAMPLE"


def test_us_addresses_without_a_country_are_recognized_by_state_and_zip(shared_dir: Path) -> None:
    old = read_entries(shared_dir / "reference" / "csl" / "csl_extract_2019.csv")
    hernandez = next(e for e in old if e.name == "ADRIAN MANUEL HERNANDEZ")
    assert hernandez.addresses == ("3037 S. 69TH DRIVE, PHONEIX, AZ, 85043",)
    assert (hernandez.country, hernandez.countries) == ("US", ("US",))
    from regwatch.csl.reader import _us_by_state_zip

    assert _us_by_state_zip("1 Main St, Dallas, TX, 75001-1234") == "US"
    assert _us_by_state_zip("Room 1, Kowloon, HK") is None
    assert _us_by_state_zip("Calle 1, Madrid, ZZ, 28001") is None  # not a U.S. state

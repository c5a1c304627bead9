"""parse-check scoring and the CLI commands."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regwatch.cli import app
from regwatch.errors import ParseError
from regwatch.parsing.check import parse_check

from ._helpers import FIXTURES_FR

runner = CliRunner()


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "fr"
    shutil.copytree(FIXTURES_FR, target)
    return target


def test_wrong_expected_value_lowers_accuracy(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    path = folder / "expected" / "2021-07400.json"
    data = json.loads(path.read_text())
    data["changes"][0]["name"] = "Something Else"
    data["changes"][1]["addresses"] = [
        "9 Duxue Road, Nanshan District, Shenzhen, Guangdong, China."
    ]
    path.write_text(json.dumps(data))
    report = parse_check(folder)
    doc = next(d for d in report.documents if d.document_number == "2021-07400")
    assert not report.ok and not doc.ok
    assert doc.rows_exact == 7 and doc.fields_exact == doc.fields_total - 1
    assert [(d.row, d.field) for d in doc.diffs] == [(1, "name")]  # trailing '.' is insignificant


def test_missing_row_and_broken_xml_are_counted(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    path = folder / "expected" / "2019-13245.json"
    data = json.loads(path.read_text())
    data["changes"].append(dict(data["changes"][0], name="Extra GmbH"))
    path.write_text(json.dumps(data))
    (folder / "xml" / "E8-28797.xml").write_bytes(b"<RULE><broken")
    report = parse_check(folder)
    by = {d.document_number: d for d in report.documents}
    assert by["2019-13245"].rows_exact == 2 and by["2019-13245"].expected_rows == 3
    assert by["E8-28797"].error is not None and not by["E8-28797"].ok
    assert report.row_accuracy < 1.0


def test_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ParseError):
        parse_check(tmp_path)


def test_cli_parse_check_ok_and_json() -> None:
    result = runner.invoke(app, ["parse-check", str(FIXTURES_FR)])
    assert result.exit_code == 0, result.output
    assert "100.0%" in result.output
    result = runner.invoke(app, ["parse-check", str(FIXTURES_FR), "--json"])
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert report["ok"] and report["total"]["row_accuracy"] == 1.0
    assert runner.invoke(app, ["parse-check", str(FIXTURES_FR), "--html"]).exit_code == 0


def test_cli_parse_check_fails_below_100(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    path = folder / "expected" / "2024-20842.json"
    data = json.loads(path.read_text())
    data["changes"][1]["previous_name"] = None
    path.write_text(json.dumps(data))
    result = runner.invoke(app, ["parse-check", str(folder)])
    assert result.exit_code == 1
    assert "previous_name" in result.output
    assert runner.invoke(app, ["parse-check", str(tmp_path / "nowhere")]).exit_code == 2


def test_cli_parse_one_document_json() -> None:
    result = runner.invoke(app, ["parse", str(FIXTURES_FR / "xml" / "2024-20842.xml"), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert [c["action"] for c in out["changes"]].count("remove") == 3
    result = runner.invoke(app, ["parse", str(FIXTURES_FR / "html" / "2021-07400.html")])
    assert result.exit_code == 0 and "Tianjin" in result.output

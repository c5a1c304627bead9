"""CLI commands: parse (one document) and parse-check (accuracy against expected rows)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from regwatch.cli.app import app
from regwatch.errors import ParseError

console = Console()


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


@app.command("parse-check")
def parse_check_command(
    folder: Annotated[
        Path, typer.Argument(help="folder with documents/, xml/ (or html/), expected/")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable report")] = False,
    html: Annotated[bool, typer.Option("--html", help="check html/*.html instead of xml/")] = False,
    show_diffs: Annotated[int, typer.Option("--diffs", help="field differences to print")] = 20,
) -> None:
    """Parse every document of FOLDER and compare with expected/*.json; exit 1 below 100%."""
    from regwatch.parsing.check import parse_check

    try:
        report = parse_check(folder, "html" if html else "xml")
    except ParseError as exc:
        console.print(f"[red]parse-check: {exc}[/red]")
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str))
        raise typer.Exit(0 if report.ok else 1)
    table = Table(title=f"parse-check {folder} ({report.source})")
    for column in ("document", "expected", "parsed", "rows exact", "fields exact", "warnings"):
        table.add_column(column, justify="left" if column == "document" else "right")
    for d in report.documents:
        style = "green" if d.ok else "red"
        table.add_row(
            d.document_number,
            str(d.expected_rows),
            str(d.parsed_rows),
            f"[{style}]{d.rows_exact}/{max(d.expected_rows, d.parsed_rows)} "
            f"{_percent(d.row_accuracy)}[/{style}]",
            f"[{style}]{d.fields_exact}/{d.fields_total} {_percent(d.field_accuracy)}[/{style}]",
            str(len(d.warnings)) if d.error is None else f"[red]ERROR: {d.error}[/red]",
        )
    table.add_section()
    table.add_row(
        f"TOTAL ({len(report.documents)} docs)",
        "",
        "",
        f"{report.rows_exact}/{report.rows_total} {_percent(report.row_accuracy)}",
        f"{report.fields_exact}/{report.fields_total} {_percent(report.field_accuracy)}",
        "",
    )
    console.print(table)
    printed = 0
    for d in report.documents:
        for diff in d.diffs:
            if printed >= show_diffs:
                break
            console.print(
                f"  {d.document_number} row {diff.row} {diff.field}: "
                f"expected {diff.expected!r}, got {diff.actual!r}",
                markup=False,
            )
            printed += 1
    if report.skipped:
        console.print(f"skipped (no expected file): {', '.join(report.skipped)}")
    raise typer.Exit(0 if report.ok else 1)


def _change_dict(change: Any) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(change).items()}


@app.command("parse")
def parse_command(
    path: Annotated[Path, typer.Argument(help="FR full-text XML (or body HTML) file")],
    metadata: Annotated[
        Path | None, typer.Option("--meta", help="FR API document JSON for this document")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print rows as JSON")] = False,
) -> None:
    """Parse one FR document and print its Entity List changes."""
    from regwatch.parsing import document_from_api_json, parse_fr_html, parse_fr_xml

    meta_path = metadata or path.parent.parent / "documents" / f"{path.stem}.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        meta.setdefault("document_number", path.stem)
        meta.setdefault("publication_date", "1970-01-01")
        document = document_from_api_json(meta)
        data = path.read_bytes()
        parse = parse_fr_html if path.suffix.lower() in (".html", ".htm") else parse_fr_xml
        parsed = parse(data, document)
    except (ParseError, OSError, ValueError) as exc:
        console.print(f"[red]parse: {exc}[/red]")
        raise typer.Exit(1) from exc
    if as_json:
        out = {
            "document_number": document.document_number,
            "changes": [_change_dict(c) for c in parsed.changes],
            "warnings": [asdict(w) for w in parsed.warnings],
        }
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    table = Table(title=f"{document.document_number}: {len(parsed.changes)} changes")
    for column in ("#", "action", "country", "name", "aliases", "citations"):
        table.add_column(column)
    for c in parsed.changes:
        table.add_row(
            str(c.position),
            c.action,
            c.country or "",
            c.name or "" if c.previous_name is None else f"{c.name} (was {c.previous_name})",
            "; ".join(c.aliases),
            " ".join(c.federal_register_citations),
        )
    console.print(table)
    for w in parsed.warnings:
        console.print(f"[yellow]warning {w.code}[/yellow]: {w.message}", highlight=False)

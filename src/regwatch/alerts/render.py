"""Compose one digest email (plain text + HTML) from a batch of outbox payloads.

Templates are jinja2 files next to this module; the HTML environment autoescapes, so names
and policies from the Federal Register cannot inject markup into the email.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as _SMTP
from pathlib import Path
from typing import Any

import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"

_text_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=False,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
_html_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

SECTION_ORDER = ("new", "upcoming", "revisions", "removals", "notices")
_SECTION_OF = {
    "add": "new",
    "upcoming": "upcoming",
    "revise": "revisions",
    "correct": "revisions",
    "remove": "removals",
    "notice": "notices",
}

# Python folds a subject that does not fit after 'Subject: ' onto a continuation line, which
# readers then show with a leading space; RFC 5322 allows 998 characters, so do not fold.
SMTP_POLICY = _SMTP.clone(max_line_length=998)


@dataclass(frozen=True, slots=True)
class Digest:
    """The alerts of one email, sorted into the sections shown in order."""

    group: str
    sections: Mapping[str, Sequence[Mapping[str, Any]]]

    def count(self, section: str) -> int:
        return len(self.sections.get(section, ()))

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.sections.values())


def _sort_key(p: Mapping[str, Any]) -> tuple[str, ...]:
    return (
        str(p.get("publication_date") or ""),
        str(p.get("document_number") or ""),
        f"{p.get('position') or 0:08d}" if isinstance(p.get("position"), int) else "",
        str(p.get("country") or "").casefold(),
        str(p.get("name") or p.get("subject") or "").casefold(),
    )


def build_digest(group: str, payloads: Sequence[Mapping[str, Any]]) -> Digest:
    """Split payloads by kind into sections; unknown kinds land in notices rather than vanish."""
    sections: dict[str, list[Mapping[str, Any]]] = {s: [] for s in SECTION_ORDER}
    for p in payloads:
        sections[_SECTION_OF.get(str(p.get("kind")), "notices")].append(p)
    for items in sections.values():
        items.sort(key=_sort_key)
    return Digest(group=group, sections=sections)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def subject_for(digest: Digest) -> str:
    """ "regwatch: 28 new Entity List designations, 1 revision" (counts of non-empty sections)."""
    if digest.total == 1 and digest.count("notices") == 1:
        return f"regwatch: {digest.sections['notices'][0].get('subject')}"
    parts = []
    if n := digest.count("new"):
        parts.append(_plural(n, "new Entity List designation", "new Entity List designations"))
    if n := digest.count("upcoming"):
        parts.append(_plural(n, "upcoming Entity List rule", "upcoming Entity List rules"))
    if n := digest.count("revisions"):
        parts.append(_plural(n, "revision", "revisions"))
    if n := digest.count("removals"):
        parts.append(_plural(n, "removal", "removals"))
    if n := digest.count("notices"):
        parts.append(_plural(n, "notice", "notices"))
    return "regwatch: " + ", ".join(parts)


def render_message(
    digest: Digest,
    *,
    sender: str,
    recipients: Sequence[str],
    message_id: str,
    now: dt.datetime,
) -> EmailMessage:
    """The complete email: text/plain first, text/html as the preferred alternative."""
    context = {
        "group": digest.group,
        "sections": digest.sections,
        "subject": subject_for(digest),
        "generated": now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    text = _text_env.get_template("digest.txt.j2").render(context)
    html = _html_env.get_template("digest.html.j2").render(context)
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["Subject"] = context["subject"]
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = email.utils.format_datetime(now.astimezone(dt.UTC))
    msg["Message-ID"] = message_id
    msg["X-Regwatch-Group"] = digest.group
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, no vacation loops
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg

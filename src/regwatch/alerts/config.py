"""SMTP settings and recipient groups (watchlists) for alert emails.

Settings come from `REGWATCH_SMTP_*` / `REGWATCH_ALERT_*` environment variables, optionally
completed by a Prefect Secret block, so the password can live in Prefect instead of the
environment. The password is wrapped in :class:`Secret` so it cannot leak through a repr,
a log line or an exception message.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from regwatch.errors import ConfigError

log = logging.getLogger(__name__)

Security = Literal["starttls", "ssl", "none"]
SECURITIES: tuple[Security, ...] = ("starttls", "ssl", "none")
DEFAULT_PORTS: Mapping[Security, int] = {"starttls": 587, "ssl": 465, "none": 25}
DEFAULT_GROUP = "default"
DEFAULT_SENDER = "regwatch@localhost"

ENV_KEYS = (
    "REGWATCH_SMTP_HOST",
    "REGWATCH_SMTP_PORT",
    "REGWATCH_SMTP_SECURITY",
    "REGWATCH_SMTP_USER",
    "REGWATCH_SMTP_PASSWORD",
    "REGWATCH_ALERT_FROM",
    "REGWATCH_ALERT_TO",
)


class Secret:
    """A string that never shows itself: repr/str/format print a mask, not the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self  # immutable; lets dataclasses.asdict(settings) work, still masked

    def __reduce__(self) -> Any:
        # Pickling would write the clear text into Prefect results/caches: refuse.
        raise TypeError("Secret values cannot be pickled")


def split_addresses(raw: str | Iterable[str] | None) -> tuple[str, ...]:
    """`"a@x, b@y"` or a list -> ("a@x", "b@y"), stripped, empty items dropped, order kept."""
    if raw is None:
        return ()
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    out: list[str] = []
    for item in items:
        addr = str(item).strip()
        if not addr:
            continue
        if "@" not in addr or any(c.isspace() for c in addr):
            raise ConfigError(f"{addr!r} is not an email address (expected user@domain)")
        if addr.lower() not in (a.lower() for a in out):
            out.append(addr)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to send alert emails. `host=None` means: queue and report, do not send."""

    host: str | None = None
    port: int = 587
    security: Security = "starttls"
    user: str | None = None
    password: Secret | None = None
    sender: str = DEFAULT_SENDER
    recipients: tuple[str, ...] = ()
    timeout_seconds: float = 30.0

    @property
    def enabled(self) -> bool:
        return bool(self.host)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> SmtpSettings:
        """Build from `REGWATCH_*` keys (env vars or a Secret block's JSON)."""

        def get(key: str) -> str | None:
            raw = values.get(key)
            if raw is None:
                return None
            text = str(raw).strip()
            return text or None

        host = get("REGWATCH_SMTP_HOST")
        security_raw = (get("REGWATCH_SMTP_SECURITY") or "starttls").lower()
        if security_raw not in SECURITIES:
            raise ConfigError(
                f"REGWATCH_SMTP_SECURITY={security_raw!r}: use one of {', '.join(SECURITIES)}"
            )
        security: Security = security_raw
        port_raw = get("REGWATCH_SMTP_PORT")
        if port_raw is None:
            port = DEFAULT_PORTS[security]
        else:
            try:
                port = int(port_raw)
            except ValueError:
                raise ConfigError(f"REGWATCH_SMTP_PORT={port_raw!r} is not an integer") from None
            if not 0 < port < 65536:
                raise ConfigError(f"REGWATCH_SMTP_PORT={port} is outside 1..65535")
        user = get("REGWATCH_SMTP_USER")
        password_raw = values.get("REGWATCH_SMTP_PASSWORD")
        password = Secret(str(password_raw)) if password_raw not in (None, "") else None
        if password is not None and user is None:
            raise ConfigError("REGWATCH_SMTP_PASSWORD is set but REGWATCH_SMTP_USER is not")
        if user is not None and password is None:
            raise ConfigError("REGWATCH_SMTP_USER is set but REGWATCH_SMTP_PASSWORD is not")
        sender = get("REGWATCH_ALERT_FROM")
        if host and sender is None:
            raise ConfigError(
                "REGWATCH_SMTP_HOST is set but REGWATCH_ALERT_FROM is not: "
                "set the sender address, e.g. regwatch@example.com"
            )
        if sender is not None:
            split_addresses(sender)  # validates
        return cls(
            host=host,
            port=port,
            security=security,
            user=user,
            password=password,
            sender=sender or DEFAULT_SENDER,
            recipients=split_addresses(get("REGWATCH_ALERT_TO")),
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings:
        """Env vars; keys of the Prefect Secret block `REGWATCH_SMTP_SECRET_BLOCK` override them."""
        e = os.environ if env is None else env
        values: dict[str, Any] = {k: e[k] for k in ENV_KEYS if k in e}
        block = (e.get("REGWATCH_SMTP_SECRET_BLOCK") or "").strip()
        if block:
            values.update(load_secret_block(block))
        return cls.from_mapping(values)


def load_secret_block(name: str) -> dict[str, Any]:
    """The JSON object stored in a Prefect Secret block (prefect imported only when used)."""
    try:
        from prefect.blocks.system import Secret as PrefectSecret
    except ImportError as exc:  # pragma: no cover - prefect is a dependency
        raise ConfigError(f"REGWATCH_SMTP_SECRET_BLOCK={name!r} needs prefect") from exc
    try:
        load: Any = PrefectSecret.load
        block = load(name, _sync=True)  # sync even when called inside an event loop
        raw = block.get()
    except Exception as exc:  # prefect raises ValueError/ObjectNotFound/httpx errors
        raise ConfigError(
            f"cannot load the Prefect Secret block {name!r} ({type(exc).__name__}); "
            "create it with Secret(value={...}).save(name) or unset REGWATCH_SMTP_SECRET_BLOCK"
        ) from None
    return parse_secret_value(name, raw)


def parse_secret_value(name: str, raw: object) -> dict[str, Any]:
    """Accept a dict or a JSON string; reject anything else without echoing the content."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise ConfigError(f"Prefect Secret block {name!r} is not a JSON object") from None
    if not isinstance(raw, Mapping):
        raise ConfigError(f"Prefect Secret block {name!r} must hold a JSON object of REGWATCH_*")
    unknown = sorted(str(k) for k in raw if k not in ENV_KEYS)
    if unknown:
        raise ConfigError(
            f"Prefect Secret block {name!r} has unknown keys {unknown}; allowed: {list(ENV_KEYS)}"
        )
    return dict(raw)


# --------------------------------------------------------------------------- watchlists


def _norm(text: str | None) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", (text or "").casefold()).split())


@dataclass(frozen=True, slots=True)
class RecipientGroup:
    """Recipients plus the filter deciding which alerts they get.

    Within one dimension any value matches (OR); dimensions combine with AND; an empty
    dimension does not filter. Country terms match the whole country name or its part
    before the first comma ("china" matches "CHINA, PEOPLE'S REPUBLIC OF"), ignoring case
    and punctuation. Name patterns are case-insensitive globs (`*huawei*`) or, prefixed
    with `re:`, regular expressions searched anywhere in the name or an alias.
    """

    name: str
    recipients: tuple[str, ...]
    countries: tuple[str, ...] = ()
    name_patterns: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    notices: bool = False
    upcoming: bool | None = None  # None: only if the group has no country/name filter
    _compiled: tuple[re.Pattern[str], ...] = field(default=(), repr=False, compare=False)
    # Globs are anchored by fnmatch.translate, so `search` serves both kinds.

    def __post_init__(self) -> None:
        compiled = []
        for pattern in self.name_patterns:
            try:
                if pattern.startswith("re:"):
                    compiled.append(re.compile(pattern[3:], re.IGNORECASE))
                else:
                    glob = "^" + fnmatch.translate(pattern)
                    compiled.append(re.compile(glob, re.IGNORECASE))
            except re.error as exc:
                msg = f"group {self.name!r}: bad name pattern {pattern!r}: {exc}"
                raise ConfigError(msg) from None
        object.__setattr__(self, "_compiled", tuple(compiled))

    @property
    def unfiltered(self) -> bool:
        return not (self.countries or self.name_patterns or self.lists)

    def matches(
        self, *, country: str | None, names: Sequence[str | None], list_name: str | None
    ) -> bool:
        """Whether an alert about `names` (name, previous name, aliases) concerns this group."""
        if self.lists and list_name not in self.lists:
            return False
        if self.countries:
            c = _norm(country)
            head = _norm((country or "").split(",")[0])
            if not any(_norm(term) in (c, head) for term in self.countries):
                return False
        if self._compiled:
            candidates = [n.strip() for n in names if n]
            if not any(p.search(n) for p in self._compiled for n in candidates):
                return False
        return True


def _str_tuple(group: str, key: str, value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"watchlist group {group!r}: {key} must be a list of strings")
    return tuple(v.strip() for v in value if v.strip())


_GROUP_KEYS = {"name", "recipients", "countries", "name_patterns", "lists", "notices", "upcoming"}


def parse_watchlists(
    data: Mapping[str, Any], *, source: str = "watchlists"
) -> list[RecipientGroup]:
    """`[[group]]` tables of a TOML document -> groups, validated with actionable errors."""
    raw_groups = data.get("group", [])
    if not isinstance(raw_groups, list):
        raise ConfigError(f"{source}: use [[group]] tables (an array of tables)")
    groups: list[RecipientGroup] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_groups, start=1):
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{source}: group #{i} is not a table")
        name = str(raw.get("name", "")).strip()
        if not name:
            raise ConfigError(f"{source}: group #{i} has no name")
        if name in seen:
            raise ConfigError(f"{source}: group name {name!r} is used twice")
        seen.add(name)
        extra = sorted(set(raw) - _GROUP_KEYS)
        if extra:
            raise ConfigError(f"{source}: group {name!r} has unknown keys {extra}")
        recipients = split_addresses(_str_tuple(name, "recipients", raw.get("recipients")))
        if not recipients:
            raise ConfigError(f"{source}: group {name!r} has no recipients")
        notices = raw.get("notices", name == DEFAULT_GROUP)
        if not isinstance(notices, bool):
            raise ConfigError(f"{source}: group {name!r}: notices must be true or false")
        upcoming = raw.get("upcoming")
        if upcoming is not None and not isinstance(upcoming, bool):
            raise ConfigError(f"{source}: group {name!r}: upcoming must be true or false")
        groups.append(
            RecipientGroup(
                name=name,
                recipients=recipients,
                countries=_str_tuple(name, "countries", raw.get("countries")),
                name_patterns=_str_tuple(name, "name_patterns", raw.get("name_patterns")),
                lists=_str_tuple(name, "lists", raw.get("lists")),
                notices=notices,
                upcoming=upcoming,
            )
        )
    return groups


def load_groups(
    path: Path | None = None,
    default_recipients: Sequence[str] = (),
) -> list[RecipientGroup]:
    """Watchlist groups from the TOML file, plus the unfiltered default group.

    The default group (REGWATCH_ALERT_TO, no filter, gets operational notices) comes last,
    unless the file defines a group named "default" itself.
    """
    groups: list[RecipientGroup] = []
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(
                f"watchlist file {path} does not exist (REGWATCH_WATCHLISTS)"
            ) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"watchlist file {path} is not valid TOML: {exc}") from None
        groups = parse_watchlists(data, source=str(path))
    if default_recipients and all(g.name != DEFAULT_GROUP for g in groups):
        groups.append(
            RecipientGroup(
                name=DEFAULT_GROUP, recipients=split_addresses(default_recipients), notices=True
            )
        )
    return groups


def groups_from_env(
    env: Mapping[str, str] | None = None, smtp: SmtpSettings | None = None
) -> list[RecipientGroup]:
    """Groups from `REGWATCH_WATCHLISTS` and the default recipients (`REGWATCH_ALERT_TO`)."""
    e = os.environ if env is None else env
    path = (e.get("REGWATCH_WATCHLISTS") or "").strip()
    default = smtp.recipients if smtp is not None else split_addresses(e.get("REGWATCH_ALERT_TO"))
    groups = load_groups(Path(path) if path else None, default)
    if not groups:
        log.warning("no alert recipients: set REGWATCH_ALERT_TO or REGWATCH_WATCHLISTS")
    return groups

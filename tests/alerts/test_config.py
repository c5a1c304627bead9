"""SMTP settings from env / Prefect Secret block, the Secret wrapper, watchlist groups."""

from __future__ import annotations

import dataclasses
import logging
import pickle
from pathlib import Path
from typing import Any

import pytest

from regwatch.alerts import RecipientGroup, Secret, SmtpSettings, groups_from_env, load_groups
from regwatch.alerts.config import parse_secret_value
from regwatch.errors import ConfigError

from .conftest import PASSWORD

ENV = {
    "REGWATCH_SMTP_HOST": "smtp.example.org",
    "REGWATCH_SMTP_USER": "alerts",
    "REGWATCH_SMTP_PASSWORD": PASSWORD,
    "REGWATCH_ALERT_FROM": "regwatch@example.org",
    "REGWATCH_ALERT_TO": "a@example.org, b@example.org,,",
}


def test_from_env_defaults_to_starttls_587_and_splits_recipients() -> None:
    s = SmtpSettings.from_env(ENV)
    assert (s.host, s.port, s.security, s.user) == ("smtp.example.org", 587, "starttls", "alerts")
    assert s.recipients == ("a@example.org", "b@example.org")
    assert s.password is not None and s.password.get_secret_value() == PASSWORD
    assert s.enabled


@pytest.mark.parametrize(("security", "port"), [("ssl", 465), ("none", 25), ("STARTTLS", 587)])
def test_default_port_follows_security(security: str, port: int) -> None:
    s = SmtpSettings.from_env({**ENV, "REGWATCH_SMTP_SECURITY": security})
    assert s.port == port and s.security == security.lower()


def test_explicit_port_wins() -> None:
    assert SmtpSettings.from_env({**ENV, "REGWATCH_SMTP_PORT": "2525"}).port == 2525


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"REGWATCH_SMTP_SECURITY": "tls"}, "starttls, ssl, none"),
        ({"REGWATCH_SMTP_PORT": "smtp"}, "not an integer"),
        ({"REGWATCH_SMTP_PORT": "70000"}, "outside"),
        ({"REGWATCH_SMTP_USER": ""}, "REGWATCH_SMTP_USER is not"),
        ({"REGWATCH_SMTP_PASSWORD": ""}, "REGWATCH_SMTP_PASSWORD is not"),
        ({"REGWATCH_ALERT_FROM": ""}, "REGWATCH_ALERT_FROM"),
        ({"REGWATCH_ALERT_TO": "not-an-address"}, "not an email address"),
    ],
)
def test_invalid_settings_raise_config_error(extra: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        SmtpSettings.from_env({**ENV, **extra})
    assert PASSWORD not in str(info.value)


def test_no_host_means_disabled_and_no_sender_needed() -> None:
    s = SmtpSettings.from_env({"REGWATCH_ALERT_TO": "ops@example.org"})
    assert not s.enabled and s.recipients == ("ops@example.org",)


def test_password_never_in_repr_str_format_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    s = SmtpSettings.from_env(ENV)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("test").info("settings %s %r", s, s)
    logging.getLogger("test").info(f"password {s.password} {s.password!r} {s.password:>30}")
    for text in (repr(s), str(s), caplog.text, f"{s.password}", str([s.password])):
        assert PASSWORD not in text
    assert "**********" in repr(s)
    assert PASSWORD not in repr(dataclasses.asdict(s))
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(s.password)
    assert Secret("x") == Secret("x") and Secret("x") != Secret("y")


def test_secret_value_must_be_a_json_object_and_errors_do_not_echo_it() -> None:
    assert parse_secret_value("b", '{"REGWATCH_SMTP_HOST": "h"}') == {"REGWATCH_SMTP_HOST": "h"}
    with pytest.raises(ConfigError) as info:
        parse_secret_value("b", f"not json {PASSWORD}")
    assert PASSWORD not in str(info.value) and info.value.__cause__ is None
    with pytest.raises(ConfigError, match="unknown keys"):
        parse_secret_value("b", {"REGWATCH_SMTP_PASWORD": PASSWORD})


class _FakeBlock:
    def __init__(self, value: Any) -> None:
        self.value = value

    def get(self) -> Any:
        return self.value


def test_from_env_reads_prefect_secret_block_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.blocks.system import Secret as PrefectSecret

    loaded: list[tuple[str, Any]] = []

    def fake_load(name: str, **kwargs: Any) -> _FakeBlock:
        loaded.append((name, kwargs.get("_sync")))
        return _FakeBlock(
            {
                "REGWATCH_SMTP_HOST": "smtp.vault.example",
                "REGWATCH_SMTP_USER": "vault-user",
                "REGWATCH_SMTP_PASSWORD": PASSWORD,
            }
        )

    monkeypatch.setattr(PrefectSecret, "load", fake_load)
    env = {
        "REGWATCH_SMTP_SECRET_BLOCK": "regwatch-smtp",
        "REGWATCH_SMTP_HOST": "ignored.example",
        "REGWATCH_ALERT_FROM": "regwatch@example.org",
    }
    s = SmtpSettings.from_env(env)
    assert loaded == [("regwatch-smtp", True)]
    assert (s.host, s.user, s.sender) == (
        "smtp.vault.example",
        "vault-user",
        "regwatch@example.org",
    )
    assert s.password is not None and s.password.get_secret_value() == PASSWORD


def test_missing_secret_block_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.blocks.system import Secret as PrefectSecret

    def boom(name: str, **kwargs: Any) -> None:
        raise ValueError(f"Unable to find block document named {name} {PASSWORD}")

    monkeypatch.setattr(PrefectSecret, "load", boom)
    with pytest.raises(ConfigError, match="cannot load the Prefect Secret block") as info:
        SmtpSettings.from_env({"REGWATCH_SMTP_SECRET_BLOCK": "nope"})
    assert PASSWORD not in str(info.value)


# --------------------------------------------------------------------------- watchlists

WATCHLISTS = """
[[group]]
name = "china-desk"
recipients = ["china@example.org", "Lead@example.org"]
countries = ["China", "Hong Kong"]

[[group]]
name = "names"
recipients = ["names@example.org"]
name_patterns = ["*photonics*", "re:^volga\\\\b"]
lists = ["entity_list"]
upcoming = true
"""


def test_load_groups_from_toml_appends_default_group(tmp_path: Path) -> None:
    path = tmp_path / "alerts.toml"
    path.write_text(WATCHLISTS, encoding="utf-8")
    groups = load_groups(path, ["ops@example.org"])
    assert [g.name for g in groups] == ["china-desk", "names", "default"]
    assert groups[0].recipients == ("china@example.org", "Lead@example.org")
    assert groups[2].unfiltered and groups[2].notices and not groups[0].notices
    assert groups[1].upcoming is True and groups[0].upcoming is None


def test_groups_from_env_uses_watchlists_file(tmp_path: Path) -> None:
    path = tmp_path / "alerts.toml"
    path.write_text(WATCHLISTS, encoding="utf-8")
    groups = groups_from_env(
        {"REGWATCH_WATCHLISTS": str(path), "REGWATCH_ALERT_TO": "ops@example.org"}
    )
    assert [g.name for g in groups] == ["china-desk", "names", "default"]
    assert groups_from_env({}) == []


def test_repo_example_watchlist_parses() -> None:
    example = Path(__file__).resolve().parents[2] / "alerts.example.toml"
    groups = load_groups(example, ["ops@example.org"])
    assert len(groups) >= 2 and groups[-1].name == "default"


def test_country_matching_uses_whole_name_or_head() -> None:
    g = RecipientGroup(name="g", recipients=("a@x.org",), countries=("China", "hong kong"))
    assert g.matches(country="CHINA, PEOPLE'S REPUBLIC OF", names=["X"], list_name="entity_list")
    assert g.matches(country="Hong Kong", names=["X"], list_name="entity_list")
    assert not g.matches(country="TAIWAN", names=["X"], list_name="entity_list")
    assert not g.matches(country=None, names=["X"], list_name="entity_list")


def test_name_patterns_glob_and_regex_over_aliases_and_lists() -> None:
    g = RecipientGroup(
        name="g",
        recipients=("a@x.org",),
        name_patterns=("*photonics*", r"re:^volga\b"),
        lists=("entity_list",),
    )
    assert g.matches(country="C", names=["Zhenhai PHOTONICS Co."], list_name="entity_list")
    assert g.matches(country="C", names=["Other", "Volga ARI"], list_name="entity_list")
    assert not g.matches(country="C", names=["Volgaa"], list_name="entity_list")
    assert not g.matches(country="C", names=["Zhenhai Photonics"], list_name="denied_persons")


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[[group]]\nname = "a"\n', "no recipients"),
        ('[[group]]\nrecipients = ["a@x.org"]\n', "no name"),
        ('[[group]]\nname="a"\nrecipients=["a@x.org"]\ncountry=["X"]\n', "unknown keys"),
        (
            '[[group]]\nname="a"\nrecipients=["a@x.org"]\n[[group]]\nname="a"\nrecipients=["b@x.org"]\n',
            "twice",
        ),
        (
            '[[group]]\nname="a"\nrecipients=["a@x.org"]\nname_patterns=["re:("]\n',
            "bad name pattern",
        ),
        ("group = 3\n", "array of tables"),
        ("[[group]\n", "not valid TOML"),
    ],
)
def test_bad_watchlists_raise_config_error(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_groups(path)


def test_missing_watchlist_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_groups(tmp_path / "nope.toml")

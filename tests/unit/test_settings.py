"""Unit tests for reading ``DISPATCH_*`` environment variables into ``Settings``."""

from __future__ import annotations

import pytest

from dispatch.settings import Settings, SettingsError

STRONG = "test-secret-of-at-least-thirty-two-bytes"


def from_env(**variables: str) -> Settings:
    """Settings from exactly these variables, with a secret key so nothing is written to var/."""
    return Settings.from_env({"DISPATCH_SECRET_KEY": STRONG, **variables})


def test_defaults_give_the_embedded_mode() -> None:
    settings = from_env()
    assert settings.database_url == "sqlite+aiosqlite:///var/dispatch.sqlite3"
    assert settings.is_sqlite
    assert settings.embedded_broker
    assert settings.smtp_port == 587
    assert settings.smtp_starttls is True
    assert settings.log_json is True
    assert settings.log_level == "INFO"
    assert settings.secret_key == STRONG


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        ("True", True),
        ("1", True),
        (" true ", True),
        ("false", False),
        ("FALSE", False),
        ("0", False),
        (" 0 ", False),
    ],
)
def test_booleans_accept_true_false_one_zero(raw: str, expected: bool) -> None:
    assert from_env(DISPATCH_SMTP_STARTTLS=raw).smtp_starttls is expected
    assert from_env(DISPATCH_LOG_JSON=raw).log_json is expected


@pytest.mark.parametrize("raw", ["yes", "no", "on", "off", "", "tru", "2"])
def test_booleans_reject_other_words_naming_the_variable(raw: str) -> None:
    with pytest.raises(SettingsError) as info:
        from_env(DISPATCH_SMTP_STARTTLS=raw)
    assert str(info.value) == f"DISPATCH_SMTP_STARTTLS must be true, false, 1 or 0, not {raw!r}"


def test_bad_boolean_error_names_the_right_variable() -> None:
    with pytest.raises(SettingsError, match=r"^DISPATCH_LOG_JSON must be true, false, 1 or 0"):
        from_env(DISPATCH_LOG_JSON="maybe")


@pytest.mark.parametrize(("raw", "expected"), [("25", 25), (" 465 ", 465), ("2525", 2525)])
def test_ints_are_parsed(raw: str, expected: int) -> None:
    assert from_env(DISPATCH_SMTP_PORT=raw).smtp_port == expected


@pytest.mark.parametrize("raw", ["abc", "", "5.5", "25a", "587 tcp"])
def test_ints_reject_non_numbers(raw: str) -> None:
    with pytest.raises(SettingsError) as info:
        from_env(DISPATCH_SMTP_PORT=raw)
    assert str(info.value) == f"DISPATCH_SMTP_PORT must be a whole number, not {raw!r}"


def test_settings_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"DISPATCH_SMTP_PORT"):
        from_env(DISPATCH_SMTP_PORT="x")


def test_strings_are_trimmed() -> None:
    settings = from_env(
        DISPATCH_DATABASE_URL="  postgresql+asyncpg://db.example/dispatch \n",
        DISPATCH_BROKER_URL=" redis://127.0.0.1:6379/0 ",
    )
    assert settings.database_url == "postgresql+asyncpg://db.example/dispatch"
    assert not settings.is_sqlite
    assert settings.broker_url == "redis://127.0.0.1:6379/0"
    assert not settings.embedded_broker


def test_unknown_and_unprefixed_variables_keep_defaults() -> None:
    settings = from_env(
        DISPATCH_NO_SUCH_SETTING="x",
        SMTP_PORT="25",
        dispatch_smtp_port="26",
        DISPATCH_SMTP_STARTTLS_EXTRA="maybe",
    )
    assert settings.smtp_port == 587
    assert settings.smtp_starttls is True
    assert settings == from_env()


def test_secret_values_are_not_in_repr() -> None:
    settings = from_env(
        DISPATCH_SMTP_PASSWORD="hunter2-password",
        DISPATCH_TWILIO_AUTH_TOKEN="twilio-token-value",
    )
    text = repr(settings)
    assert settings.smtp_password == "hunter2-password"
    assert "hunter2-password" not in text
    assert "twilio-token-value" not in text
    assert "test-secret" not in text


def test_settings_are_frozen() -> None:
    settings = from_env()
    with pytest.raises(AttributeError):
        settings.smtp_port = 25  # type: ignore[misc]


def test_explicit_environ_ignores_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPATCH_SMTP_PORT", "2525")
    assert from_env().smtp_port == 587


@pytest.mark.parametrize("port", ["0", "-1", "70000"])
def test_smtp_port_out_of_range_is_refused(port: str) -> None:
    with pytest.raises(SettingsError, match="DISPATCH_SMTP_PORT must be between 1 and 65535"):
        Settings.from_env({"DISPATCH_SECRET_KEY": "k", "DISPATCH_SMTP_PORT": port})


def test_several_api_processes_need_a_redis_broker() -> None:
    env = {"DISPATCH_API_PROCESSES": "2", "DISPATCH_SECRET_KEY": STRONG}
    with pytest.raises(SettingsError, match="needs DISPATCH_BROKER_URL=redis"):
        Settings.from_env(env)
    redis = Settings.from_env({**env, "DISPATCH_BROKER_URL": "redis://127.0.0.1:6379/0"})
    assert redis.api_processes == 2
    with pytest.raises(SettingsError, match="at least 1"):
        Settings.from_env({"DISPATCH_API_PROCESSES": "0", "DISPATCH_SECRET_KEY": "k"})


def test_the_api_pool_size_is_read_and_must_be_positive() -> None:
    assert Settings.from_env({"DISPATCH_SECRET_KEY": "k"}).api_pool_size == 20
    env = {"DISPATCH_API_POOL_SIZE": "32", "DISPATCH_SECRET_KEY": "k"}
    assert Settings.from_env(env).api_pool_size == 32
    with pytest.raises(SettingsError, match="DISPATCH_API_POOL_SIZE must be at least 1"):
        Settings.from_env({"DISPATCH_API_POOL_SIZE": "0", "DISPATCH_SECRET_KEY": "k"})


@pytest.mark.parametrize(
    "production",
    [
        {"DISPATCH_DATABASE_URL": "postgresql+asyncpg://db.example/dispatch"},
        {"DISPATCH_BROKER_URL": "redis://127.0.0.1:6379/0"},
        {"DISPATCH_BASE_URL": "https://varsling.example"},
    ],
)
def test_a_weak_secret_key_stops_production_from_starting(production: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match=r"DISPATCH_SECRET_KEY is 1 bytes; .* at least 32"):
        Settings.from_env({"DISPATCH_SECRET_KEY": "x", **production})
    assert Settings.from_env({"DISPATCH_SECRET_KEY": "k" * 32, **production}).secret_key


def test_trusted_proxies_are_addresses_or_networks() -> None:
    settings = from_env(DISPATCH_TRUSTED_PROXIES=" 10.0.0.0/8, 192.0.2.7 ,fd00::/8")
    assert settings.trusted_proxy_list() == ["10.0.0.0/8", "192.0.2.7", "fd00::/8"]
    assert from_env().trusted_proxy_list() == []
    with pytest.raises(SettingsError, match="DISPATCH_TRUSTED_PROXIES: 'ingress' is not"):
        from_env(DISPATCH_TRUSTED_PROXIES="10.0.0.0/8,ingress")

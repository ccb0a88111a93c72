"""The parts of signing in that need no server: codes and their steps, sealed values, roles from
a token, and the settings that switch single sign-on and passwords."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from dispatch.security import factors, sealed
from dispatch.security.models import Role
from dispatch.security.oidc import role_from_claims
from dispatch.settings import Settings, SettingsError

NOW = datetime(2026, 12, 8, 9, 0, 15, tzinfo=UTC)
ROLES = Settings(secret_key="k", oidc_role_map='{"Beredskap.Leser": "viewer"}').oidc_roles()


def test_a_code_matches_its_step_and_its_neighbours_only() -> None:
    secret = factors.new_secret()
    totp = pyotp.TOTP(secret)
    step = totp.timecode(NOW)
    for offset in (-1, 0, 1):
        code = totp.at(NOW + timedelta(seconds=30 * offset))
        assert factors.matching_step(secret, code, NOW) == step + offset
    assert factors.matching_step(secret, totp.at(NOW + timedelta(seconds=90)), NOW) is None


def test_a_sealed_secret_opens_only_for_its_user_and_key() -> None:
    stored = factors.seal("key-one", 7, "JBSWY3DPEHPK3PXP")
    assert "JBSWY3DPEHPK3PXP" not in stored
    assert factors.unseal("key-one", 7, stored) == "JBSWY3DPEHPK3PXP"
    with pytest.raises(factors.UnreadableSecret):
        factors.unseal("key-two", 7, stored)
    with pytest.raises(factors.UnreadableSecret):
        factors.unseal("key-one", 8, stored)  # copied onto another user's row


def test_sealed_values_refuse_change_another_purpose_and_age() -> None:
    value = sealed.seal("key", "sign-in-factor", {"uid": 3}, max_age=60)
    opened = sealed.unseal("key", "sign-in-factor", value)
    assert opened is not None
    assert opened["uid"] == 3
    assert sealed.unseal("key", "oidc-authorization", value) is None
    assert sealed.unseal("other key", "sign-in-factor", value) is None
    flipped = value[:20] + ("A" if value[20] != "A" else "B") + value[21:]
    assert sealed.unseal("key", "sign-in-factor", flipped) is None
    assert sealed.unseal("key", "sign-in-factor", "x" * 5000) is None
    expired = sealed.seal("key", "sign-in-factor", {"uid": 3}, max_age=-1)
    assert sealed.unseal("key", "sign-in-factor", expired) is None


@pytest.mark.parametrize(
    ("claims", "role"),
    [
        ({"roles": ["coordinator"]}, Role.COORDINATOR),
        ({"roles": "admin"}, Role.ADMIN),
        ({"roles": ["viewer", "admin"]}, Role.ADMIN),  # the strongest counts
        ({"roles": ["Beredskap.Leser"]}, Role.VIEWER),  # mapped
        ({"roles": ["guest"]}, None),
        ({"roles": []}, None),
        ({}, None),
        ({"roles": [{"admin": True}]}, None),
    ],
)
def test_the_role_comes_from_the_roles_claim(claims: dict[str, object], role: Role | None) -> None:
    assert role_from_claims(claims, claim="roles", roles=ROLES) == role


def test_the_roles_claim_can_have_another_name() -> None:
    claims = {"groups": ["coordinator"], "roles": ["admin"]}
    assert role_from_claims(claims, claim="groups", roles=ROLES) == Role.COORDINATOR


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"local_login": "false"}, "DISPATCH_OIDC_ISSUER as well"),
        ({"oidc_issuer": "https://login.example/v2.0"}, "DISPATCH_OIDC_CLIENT_ID"),
        ({"oidc_issuer": "http://login.example", "oidc_client_id": "c"}, "https://"),
        (
            {"oidc_issuer": "https://l.example", "oidc_client_id": "c", "oidc_role_map": "[1]"},
            "JSON object",
        ),
        (
            {
                "oidc_issuer": "https://l.example",
                "oidc_client_id": "c",
                "oidc_role_map": '{"Sjef": "boss"}',
            },
            "not one of",
        ),
    ],
)
def test_sign_in_settings_that_cannot_work_are_refused_at_start(
    settings: dict[str, str], says: str
) -> None:
    env = {"DISPATCH_SECRET_KEY": "k", **{f"DISPATCH_{k.upper()}": v for k, v in settings.items()}}
    with pytest.raises(SettingsError, match=says):
        Settings.from_env(env)

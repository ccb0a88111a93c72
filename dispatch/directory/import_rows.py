"""Checking import rows against the directory held in memory, which accepted rows change.

Nothing is written here: the state records what each accepted row creates or changes, and
``importer`` writes it all in bulk once every row has been checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.directory import validation
from dispatch.directory.contacts import clean_contact
from dispatch.directory.models import Contact, Membership, MembershipRole, Organisation
from dispatch.directory.networks import network_codes
from translations.strings.marking import N_
from translations.text import Text

_YES = {"yes", "ja", "true", "1", "y", "j"}
_NO = {"no", "nei", "false", "0", "n", ""}
_CONTACT_FIELDS = ("name", "email", "phone", "language", "channels", "main_contact")


@dataclass(slots=True)
class ImportedOrganisation:
    """An organisation as the import sees it: existing (``id`` set) or to be created."""

    name: str
    kind: str
    organisation_number: str | None
    municipality_number: str | None
    id: int | None = None
    memberships: dict[int, str] = field(default_factory=dict)
    changed_memberships: bool = False
    contacts: list[ImportedContact] = field(default_factory=list)


@dataclass(slots=True)
class ImportedContact:
    """A contact as the import sees it: existing (``id`` set) or from data row ``row``."""

    values: dict[str, Any]
    id: int | None = None
    row: int | None = None
    changed: bool = False


class ImportState:
    """The directory in memory, changed row by row as rows are accepted."""

    def __init__(self, codes: dict[str, int]) -> None:
        self.codes = codes
        self.by_number: dict[str, ImportedOrganisation] = {}
        self.by_name: dict[tuple[str, str], ImportedOrganisation] = {}
        self.orgs: list[ImportedOrganisation] = []
        self.unchanged = 0

    @classmethod
    async def load(cls, session: AsyncSession) -> ImportState:
        """The whole directory as it is now: organisations, memberships and contacts."""
        state = cls(await network_codes(session))
        orgs: dict[int, ImportedOrganisation] = {}
        for o in (await session.execute(select(Organisation.__table__))).mappings():
            org = ImportedOrganisation(
                name=o["name"],
                kind=o["kind"],
                organisation_number=o["organisation_number"],
                municipality_number=o["municipality_number"],
                id=o["id"],
            )
            orgs[org.id] = org  # type: ignore[index]
            state._register(org)
        for m in (await session.execute(select(Membership.__table__))).mappings():
            orgs[m["organisation_id"]].memberships[m["network_id"]] = m["role"]
        for c in (await session.execute(select(Contact.__table__))).mappings():
            values = {k: c[k] for k in _CONTACT_FIELDS}
            values["channels"] = list(values["channels"] or [])
            orgs[c["organisation_id"]].contacts.append(ImportedContact(values=values, id=c["id"]))
        return state

    def _register(self, org: ImportedOrganisation) -> None:
        if org.organisation_number:
            self.by_number[org.organisation_number] = org
        else:
            self.by_name[(org.name.casefold(), org.kind)] = org
        self.orgs.append(org)

    def apply(self, number: int, row: dict[str, str]) -> list[str]:
        """Accept the row into the state, or return every reason it cannot be."""
        errors: list[str] = []
        org_values = self._organisation(row, errors)
        memberships = self._memberships(row.get("networks", ""), errors)
        cleaned = clean_contact(
            name=row.get("contact_name", ""),
            email=row.get("email"),
            phone=row.get("phone"),
            language=row.get("language", "").strip() or "nb",
            channels=_split(row.get("channels", "")) or None,
        )
        errors.extend(cleaned.errors)
        main = row.get("main_contact", "").strip().lower()
        if main not in _YES | _NO:
            errors.append(
                Text(
                    N_("main_contact '%(value)s' must be yes or no"),
                    field="main_contact",
                    value=str(row.get("main_contact")),
                )
            )
        if errors or org_values is None:
            return errors

        org = self._find(org_values, errors)
        if errors:
            return errors
        contact_values = {**cleaned.values, "main_contact": main in _YES}
        existing = self._match_contact(org, contact_values, number, errors) if org else None
        if errors:
            return errors

        if org is None:
            org = ImportedOrganisation(**org_values)
            self._register(org)
        for network_id, role in memberships.items():
            if org.memberships.get(network_id) != role:
                org.memberships[network_id] = role
                org.changed_memberships = True
        if existing is None:
            org.contacts.append(ImportedContact(values=contact_values, row=number))
        elif existing.values != contact_values:
            existing.values = contact_values
            existing.changed = True
            existing.row = number
        elif existing.id is not None and not existing.changed:
            self.unchanged += 1
        return errors

    def _organisation(self, row: dict[str, str], errors: list[str]) -> dict[str, Any] | None:
        before = len(errors)
        values: dict[str, Any] = {"organisation_number": None, "municipality_number": None}
        try:
            values["name"] = validation.text(
                row.get("organisation_name", ""), field="organisation_name", max_length=300
            )
        except validation.InvalidValue as exc:
            errors.append(exc.reason)
        try:
            values["kind"] = validation.organisation_kind(row.get("organisation_kind", "")).value
        except validation.InvalidValue as exc:
            errors.append(exc.reason)
        for key, check in (
            ("organisation_number", validation.organisation_number),
            ("municipality_number", validation.municipality_number),
        ):
            raw = row.get(key, "").strip()
            if raw:
                try:
                    values[key] = check(raw)
                except validation.InvalidValue as exc:
                    errors.append(exc.reason)
        return values if len(errors) == before else None

    def _memberships(self, raw: str, errors: list[str]) -> dict[int, str]:
        result: dict[int, str] = {}
        items = _split(raw)
        if not items:
            errors.append(
                Text(
                    N_("networks is empty; give at least one of NIK, NONEMI, NIFS"),
                    field="networks",
                )
            )
        for item in items:
            code, _, role = item.partition(":")
            network_id = self.codes.get(code.strip().upper())
            if network_id is None:
                errors.append(
                    Text(
                        N_("unknown network '%(code)s'; the networks are %(known)s"),
                        field="networks",
                        code=code.strip(),
                        known=", ".join(self.codes),
                    )
                )
                continue
            try:
                result[network_id] = validation.membership_role(role or MembershipRole.MEMBER).value
            except validation.InvalidValue as exc:
                errors.append(exc.reason)
        return result

    def _find(self, values: dict[str, Any], errors: list[str]) -> ImportedOrganisation | None:
        number = values["organisation_number"]
        org = (
            self.by_number.get(number)
            if number
            else self.by_name.get((values["name"].casefold(), values["kind"]))
        )
        if org is not None and number:
            if org.name.casefold() != values["name"].casefold():
                errors.append(
                    Text(
                        N_(
                            "organisation number %(number)s belongs to '%(known)s', not "
                            "'%(given)s'; check the number or the name"
                        ),
                        number=number,
                        known=org.name,
                        given=values["name"],
                    )
                )
            elif org.kind != values["kind"]:
                errors.append(
                    Text(
                        N_("organisation number %(number)s is a %(known)s, not a %(given)s"),
                        number=number,
                        known=str(org.kind),
                        given=str(values["kind"]),
                    )
                )
        return org

    def _match_contact(
        self, org: ImportedOrganisation, values: dict[str, Any], number: int, errors: list[str]
    ) -> ImportedContact | None:
        by_email = next(
            (c for c in org.contacts if values["email"] and c.values["email"] == values["email"]),
            None,
        )
        by_phone = next(
            (c for c in org.contacts if values["phone"] and c.values["phone"] == values["phone"]),
            None,
        )
        if by_email is not None and by_phone is not None and by_email is not by_phone:
            errors.append(
                Text(
                    N_(
                        "the e-mail and the phone belong to two different contacts at this "
                        "organisation"
                    )
                )
            )
            return None
        match = by_email or by_phone
        if match is not None and match.row is not None and match.values != values:
            errors.append(
                Text(
                    N_("row %(row)d has the same person at this organisation with other details"),
                    row=match.row,
                )
            )
        return match


def _split(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(";") if part.strip()]

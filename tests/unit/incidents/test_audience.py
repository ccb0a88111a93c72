"""One person, one message per channel, however many contact rows name them."""

from __future__ import annotations

from dispatch.incidents.audience import ContactRow, merge_people


def row(
    cid: int, org: int, network: str, email: str | None, phone: str | None, **kw: object
) -> ContactRow:
    return ContactRow(
        contact_id=cid,
        organisation_id=org,
        network=network,
        email=email,
        phone=phone,
        language=str(kw.get("language", "nb")),
        channels=list(kw.get("channels", ["email", "sms"])),  # type: ignore[call-overload]
        main_contact=bool(kw.get("main_contact", False)),
    )


def test_same_person_in_two_organisations_and_networks_is_one_recipient() -> None:
    people = merge_people(
        [
            row(1, 10, "NIK", "ahmed@oslo.example", "+4741000100", language="ar"),
            row(2, 20, "NIFS", "ahmed@oslo.example", "+4741000100", main_contact=True),
            row(3, 10, "NIK", "kari@oslo.example", "+4791000200"),
        ]
    )
    assert len(people) == 2
    ahmed = next(p for p in people if p.email == "ahmed@oslo.example")
    assert ahmed.contact_ids == [1, 2]
    assert ahmed.organisation_ids == [10, 20]
    assert ahmed.network_codes == ["NIFS", "NIK"]
    assert ahmed.main_contact is True
    # The main-contact row decides the language.
    assert ahmed.language == "nb"


def test_sharing_only_a_phone_or_only_an_email_is_enough() -> None:
    people = merge_people(
        [
            row(1, 10, "NIK", "a@x.example", None, channels=["email"]),
            row(2, 20, "NIK", "A@X.example", "+4791234567"),
            row(3, 30, "NIK", None, "+4791234567", channels=["sms"]),
        ]
    )
    assert len(people) == 1
    assert people[0].channels == ["email", "sms"]
    assert people[0].phone == "+4791234567"


def test_a_contact_in_one_network_through_two_memberships_counts_once() -> None:
    people = merge_people(
        [
            row(1, 10, "NIK", "a@x.example", None),
            row(1, 10, "NIFS", "a@x.example", None),
        ]
    )
    assert len(people) == 1
    assert people[0].contact_ids == [1]

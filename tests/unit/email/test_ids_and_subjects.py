"""Signed Message-IDs and the subject reference tag."""

from __future__ import annotations

import pytest

from channels.email import (
    add_tag,
    find_ours,
    find_tag,
    make_message_id,
    read_message_id,
    reply_subject,
)
from channels.email.message_id import bracket, domain_of


def test_signed_id_round_trip() -> None:
    mid = make_message_id(77, 1042, "s3cret", "Shop.SN")
    assert mid.startswith("teranga.1042.77.") and mid.endswith("@shop.sn")
    assert read_message_id(mid, "s3cret") == (77, 1042)
    assert read_message_id(bracket(mid), "s3cret") == (77, 1042)
    assert make_message_id(77, 1042, "s3cret", "shop.sn") == mid  # stable across retries


def test_forged_or_foreign_ids_are_refused() -> None:
    mid = make_message_id(77, 1042, "s3cret", "shop.sn")
    assert read_message_id(mid, "other secret") is None
    tampered = mid.replace("teranga.1042.77.", "teranga.1043.77.")
    assert read_message_id(tampered, "s3cret") is None
    assert read_message_id("CAF=abc@mail.gmail.com", "s3cret") is None
    assert read_message_id("", "s3cret") is None


def test_find_ours_among_references() -> None:
    mine = make_message_id(5, 9, "k", "shop.sn")
    assert find_ours(["x@gmail.com", mine, "y@z"], "k") == (5, 9)
    assert find_ours(["x@gmail.com"], "k") is None


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        make_message_id(1, 2, "", "shop.sn")
    with pytest.raises(ValueError):
        make_message_id(1, 2, "k", "bad domain")
    assert domain_of("Support@Shop.SN") == "shop.sn"


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Colis perdu", "Re: Colis perdu [#T-1042]"),
        ("Re: Colis perdu", "Re: Colis perdu [#T-1042]"),
        ("RE: Re: re: Colis perdu", "Re: Colis perdu [#T-1042]"),
        ("Re : TR: Fwd: Colis perdu", "Re: Colis perdu [#T-1042]"),
        ("Re[2]: Colis perdu", "Re: Colis perdu [#T-1042]"),
        ("AW: WG: Colis perdu", "Re: Colis perdu [#T-1042]"),
        ("Re: Colis perdu [#T-1042]", "Re: Colis perdu [#T-1042]"),
        ("[#T-1042] RE: Colis perdu", "Re: Colis perdu [#T-1042]"),
        ("Re: Colis perdu [#T-7]", "Re: Colis perdu [#T-1042]"),
        ("", "[#T-1042]"),
        (None, "[#T-1042]"),
        ("Réclamation", "Re: Réclamation [#T-1042]"),
    ],
)
def test_reply_subject(subject: str | None, expected: str) -> None:
    assert reply_subject(subject, "T-1042") == expected


def test_find_tag() -> None:
    assert find_tag("RE: Colis perdu [#T-1042]") == "T-1042"
    assert find_tag("Re: [# t-1042 ] x") == "T-1042"
    assert find_tag("Order [#1042]") is None  # not our shape
    assert find_tag(None) is None
    assert add_tag("Colis", "T-5") == "Colis [#T-5]"
    assert add_tag("Colis [#T-5]", "T-5") == "Colis [#T-5]"

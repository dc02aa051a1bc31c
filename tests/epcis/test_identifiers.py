"""GS1 keys, Digital Link form, EPC URN conversion and the NMPA 20-digit drug traceability code."""

from __future__ import annotations

import pytest

from bioseg.epcis import (
    IdentifierError,
    epc_urn_to_digital_link,
    gs1_check_digit,
    lgtin_uri,
    nmpa_code_uri,
    parse_digital_link,
    parse_lgtin,
    parse_nmpa_code_uri,
    parse_sgln,
    pgln_uri,
    sgln_uri,
    sgtin_uri,
    sscc_uri,
    to_digital_link,
    validate_gln,
    validate_gtin,
    validate_nmpa_code,
    validate_sscc,
)


@pytest.mark.parametrize(
    ("body", "digit"),
    [
        ("400638133393", "1"),  # EAN-13 4006381333931
        ("1061414107346", "4"),  # GTIN-14 10614141073464 (GS1 examples)
        ("00614141123456789", "0"),  # SSCC 006141411234567890 (GS1 General Specifications)
        ("061414100001", "2"),  # GLN 0614141000012
        ("690123400001", "6"),
        ("0000000000000", "0"),
    ],
)
def test_check_digit_of_published_keys(body, digit):
    assert gs1_check_digit(body) == digit


def test_gtin_is_padded_to_14_digits_and_checked():
    assert validate_gtin("4006381333931") == "04006381333931"
    assert validate_gtin("10614141073464") == "10614141073464"
    assert validate_gtin("96385074") == "00000096385074"  # GTIN-8
    with pytest.raises(IdentifierError) as err:
        validate_gtin("4006381333932")
    assert err.value.code == "gtin_check_digit"
    assert "check digit 2" in str(err.value) and "is 1" in str(err.value)
    with pytest.raises(IdentifierError, match="digits only"):
        validate_gtin("40063813339X1")
    with pytest.raises(IdentifierError, match="expected 8 or 12 or 13 or 14"):
        validate_gtin("4006381333")


def test_gln_and_sscc_check_digits():
    assert validate_gln("0614141000012") == "0614141000012"
    assert validate_sscc("006141411234567890") == "006141411234567890"
    with pytest.raises(IdentifierError) as err:
        validate_gln("0614141000013")
    assert err.value.code == "gln_check_digit"
    with pytest.raises(IdentifierError) as err:
        validate_sscc("006141411234567891")
    assert err.value.code == "sscc_check_digit"
    with pytest.raises(IdentifierError) as err:
        validate_sscc("06141411234567890")  # 17 digits
    assert err.value.code == "sscc_length"


def test_digital_link_builders():
    assert lgtin_uri("4006381333931", "L-01") == "https://id.gs1.org/01/04006381333931/10/L-01"
    assert sgtin_uri("10614141073464", "2018") == "https://id.gs1.org/01/10614141073464/21/2018"
    assert sscc_uri("006141411234567890") == "https://id.gs1.org/00/006141411234567890"
    assert sgln_uri("0614141000012") == "https://id.gs1.org/414/0614141000012"
    assert sgln_uri("0614141000012", "COLD-1") == "https://id.gs1.org/414/0614141000012/254/COLD-1"
    assert pgln_uri("0614141000012") == "https://id.gs1.org/417/0614141000012"


def test_lot_and_serial_are_percent_encoded_per_digital_link():
    uri = lgtin_uri("4006381333931", "P1/2025(A)")
    assert uri == "https://id.gs1.org/01/04006381333931/10/P1%2F2025%28A%29"
    assert parse_lgtin(uri) == ("04006381333931", "P1/2025(A)")
    assert sgtin_uri("4006381333931", "A+B:1,2!") == "https://id.gs1.org/01/04006381333931/21/A%2BB%3A1%2C2%21"


def test_lot_outside_gs1_character_set_is_refused():
    for bad in ("", "has space", "批号1", "x" * 21):
        with pytest.raises(IdentifierError) as err:
            lgtin_uri("4006381333931", bad)
        assert err.value.code == "lot_characters"


def test_parse_digital_link_any_host_and_short_names():
    link = parse_digital_link("https://example.com/gtin/4006381333931/lot/ABC?linkType=all")
    assert (link.ai, link.key, link.lot) == ("01", "04006381333931", "ABC")
    assert link.canonical == "https://id.gs1.org/01/04006381333931/10/ABC"
    assert parse_sgln("https://id.gs1.org/414/0614141000012/254/7") == ("0614141000012", "7")
    with pytest.raises(IdentifierError) as err:
        parse_digital_link("https://id.gs1.org/01/10614141073465/21/2018")
    assert err.value.code == "gtin_check_digit"
    with pytest.raises(IdentifierError) as err:
        parse_digital_link("https://id.gs1.org/00/006141411234567891")
    assert err.value.code == "sscc_check_digit"


@pytest.mark.parametrize(
    ("urn", "link"),
    [
        ("urn:epc:id:sgtin:0614141.107346.2017", "https://id.gs1.org/01/10614141073464/21/2017"),
        ("urn:epc:class:lgtin:4012345.012345.998877", "https://id.gs1.org/01/04012345123456/10/998877"),
        ("urn:epc:id:sscc:0614141.1234567890", "https://id.gs1.org/00/106141412345678908"),
        ("urn:epc:id:sgln:0614141.07346.1234", "https://id.gs1.org/414/0614141073467/254/1234"),
        ("urn:epc:id:sgln:0614141.07346.0", "https://id.gs1.org/414/0614141073467"),
        ("urn:epc:id:pgln:0614141.00777", "https://id.gs1.org/417/0614141007776"),
        ("urn:epc:idpat:sgtin:4012345.012345.*", "https://id.gs1.org/01/04012345123456"),
        ("urn:epc:id:sgtin:0614141.107346.A%2FB!", "https://id.gs1.org/01/10614141073464/21/A%2FB%21"),
    ],
)
def test_epc_urn_to_digital_link(urn, link):
    assert epc_urn_to_digital_link(urn) == link
    assert to_digital_link(urn) == link


def test_malformed_epc_urns_are_not_converted():
    assert epc_urn_to_digital_link("urn:epc:id:sgtin:0614141.10734.2017") is None  # 12 digits, not 13
    assert epc_urn_to_digital_link("urn:epc:id:sgtin:0614141.107346.") is None
    assert to_digital_link("urn:example:thing") == "urn:example:thing"


def test_nmpa_code_segments():
    code = validate_nmpa_code("81234560000000010001")
    assert code.drug_identification_code == "8123456"
    assert code.serial == "000000001"
    assert code.verification_digits == "0001"
    uri = nmpa_code_uri("81234560000000010001")
    assert uri == "https://bioseg.invalid/ns/epcis/nmpa-drug-code/81234560000000010001"
    assert parse_nmpa_code_uri(uri) == code


@pytest.mark.parametrize(
    ("code", "error", "message"),
    [
        ("8123456000000001000", "nmpa_code_length", "has 19 digits"),
        ("812345600000000100011", "nmpa_code_length", "has 21 digits"),
        ("8123456000000001000A", "nmpa_code_digits", "'A' at position 20"),
        ("81234 56000000001000", "nmpa_code_digits", "' ' at position 6"),
        ("８1234560000000010001", "nmpa_code_digits", "position 1"),  # full-width digit
    ],
)
def test_nmpa_code_format_errors_are_precise(code, error, message):
    with pytest.raises(IdentifierError) as err:
        validate_nmpa_code(code)
    assert err.value.code == error
    assert message in str(err.value)
    assert "药品追溯码" in str(err.value)

import pytest

from bioseg.registry.validators import approval_number_problem, credit_code_check_char, credit_code_problem


@pytest.mark.parametrize(
    "code",
    ["91350100M000100Y43", "91110000600037341L", "91310000717866186P"],
)
def test_published_credit_codes_pass(code):
    assert credit_code_problem(code) is None


def test_check_character_is_computed_modulo_31():
    assert credit_code_check_char("91350100M000100Y4") == "3"
    assert credit_code_check_char("91110000600037341") == "L"


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("91350100M000100Y44", "check character is '4'"),
        ("91350100M000100Y4", "18 characters"),
        ("91350100M00O100Y43", "outside GB 32100-2015's set"),
        ("9135010OM000100Y43", "outside GB 32100-2015's set"),
    ],
)
def test_bad_credit_codes_say_why(code, fragment):
    en, zh = credit_code_problem(code)
    assert fragment in en and zh


@pytest.mark.parametrize("number", ["国药准字S20240001", "国药准字SJ20150012"])
def test_biologics_approval_numbers_pass(number):
    assert approval_number_problem(number) is None


@pytest.mark.parametrize("number", ["国药准字H20240001", "国药准字S2024001", "S20240001", "国药准字S202400011"])
def test_other_approval_numbers_fail(number):
    assert approval_number_problem(number) is not None

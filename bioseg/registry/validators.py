"""Format checks of Chinese regulatory identifiers. Pure functions; the services turn failures into errors."""

from __future__ import annotations

import re

# GB 32100-2015 unified social credit code: 18 characters from this 31-character set (no I, O, Z, S, V).
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100-2015, §4 and Annex: modulus 31)."""
    total = sum(CREDIT_CODE_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> tuple[str, str] | None:
    """None if ``code`` is a well-formed unified social credit code, else (English, Chinese) reasons."""
    if not isinstance(code, str) or len(code) != 18:
        return ("A unified social credit code has 18 characters.", "统一社会信用代码应为 18 位。")
    if not _CREDIT_RE.match(code):
        return (
            "The code uses characters outside GB 32100-2015's set (digits and capital letters except I, O, S, V, Z).",
            "代码含有 GB 32100-2015 字符集以外的字符（数字及除 I、O、S、V、Z 外的大写字母）。",
        )
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        return (
            f"The check character is {code[17]!r}; GB 32100-2015 gives {expected!r} for the first 17 characters.",
            f"校验码为 {code[17]!r}，按 GB 32100-2015 前 17 位应得 {expected!r}。",
        )
    return None


# Approval numbers of biological products: 国药准字S + 8 digits (imported biologics use 国药准字SJ + 8).
_APPROVAL_RE = re.compile(r"^国药准字SJ?\d{8}$")


def approval_number_problem(number: str) -> tuple[str, str] | None:
    if _APPROVAL_RE.match(number or ""):
        return None
    return (
        f"{number!r} is not a biologics approval number (国药准字S followed by 8 digits).",
        f"{number!r} 不是生物制品批准文号（国药准字S + 8 位数字）。",
    )

"""One term per concept in the Chinese catalogue (issue 10 §8): a lot's release is always 放行; a review is 审核 (a
record reviewed by quality staff) or 审查 (a regulator's review of an application), never a third word — but for
two other concepts with their own established terms: the provincial reviewer (审评员) and the product quality
review (产品质量回顾)."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

import bioseg

PO = Path(bioseg.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
OTHER_CONCEPTS = {"Provincial reviewer": "审评员", "Product quality review": "产品质量回顾"}


def entries() -> list[tuple[str, str]]:
    with open(PO, "rb") as fh:
        catalog = read_po(fh)
    out = []
    for m in catalog:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        out += list(zip(ids, strings, strict=False))
    return out


def test_release_is_always_fang_xing():
    wrong = [(i, s) for i, s in entries() if re.search(r"\breleas", i, re.I) and "放行" not in s]
    assert wrong == []


def test_a_review_is_shen_he_or_shen_cha():
    wrong = []
    for i, s in entries():
        if not re.search(r"\breview", i, re.I) or re.search("审核|审查", s):
            continue
        if not any(i.startswith(k) and term in s for k, term in OTHER_CONCEPTS.items()):
            wrong.append((i, s))
    assert wrong == []

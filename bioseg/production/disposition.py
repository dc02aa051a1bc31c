"""Who may disposition the lots of a temperature excursion (accept them, or reject them).

The quality agreement says so, and the agreement's duty matrix belongs to the quality system, which sits above
production. So production offers a registry (like ``selectors.register_release_blockers``): the quality system
registers a *disposition authority* provider in its ``AppConfig.ready()``, and production only asks. Without a
provider — or when the provider has no answer — the lot's holder disposes of its lots (a drug-substance lot of
the holder is the holder's), and the answer says it is that default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

PARTY_EN = {"holder": "the holder", "cmo": "the contract manufacturer"}
PARTY_ZH = {"holder": "持有人", "cmo": "受托生产企业"}


@dataclass(frozen=True)
class DispositionAuthority:
    party: str  # "holder" | "cmo": the party of the quality agreement who disposes of the lots
    enterprise_ids: frozenset[int]
    default: bool  # True: the agreement sets nothing for it (or there is none) and bioseg's default applies
    agreement_reference: str = ""  # the agreement consulted, "" when there is none


Provider = Callable[[object], "DispositionAuthority | None"]  # (excursion) -> the authority, or None: no answer
_PROVIDERS: list[Provider] = []


def register_disposition_authority(provider: Provider) -> None:
    """Adds a provider (idempotent); the first one with an answer decides."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def excursion_disposition_authority(excursion) -> DispositionAuthority:
    """Who may disposition the lots ``excursion`` holds: as the registered provider says, else the holder."""
    for provider in _PROVIDERS:
        answer = provider(excursion)
        if answer is not None:
            return answer
    return DispositionAuthority("holder", frozenset({excursion.product.holder_id}), True)


def authority_names(authority: DispositionAuthority) -> tuple[str, str]:
    """``(English, Chinese)``: the party and its enterprises, e.g. "the holder (Jiangsu Biologics)" /
    "持有人（江苏生物）", the Chinese with the Chinese names."""
    from bioseg.registry.models import Enterprise

    firms = list(Enterprise.objects.filter(id__in=authority.enterprise_ids).order_by("id"))
    en = ", ".join(f.name_en for f in firms)
    zh = "、".join(f.name_zh or f.name_en for f in firms)
    party_en, party_zh = PARTY_EN.get(authority.party, authority.party), PARTY_ZH.get(authority.party, "")
    return (f"{party_en} ({en})" if en else party_en, f"{party_zh}（{zh}）" if zh else party_zh)


def authority_basis(authority: DispositionAuthority) -> tuple[str, str]:
    """``(English, Chinese)``: why — the agreement's row, or the default when the agreement sets nothing."""
    ref = authority.agreement_reference
    if not authority.default:
        return (f"as quality agreement {ref} sets it", f"按质量协议 {ref} 的约定")
    if ref:
        return (
            f"by default: quality agreement {ref} sets nothing for it",
            f"此为默认规则：质量协议 {ref} 对此未作约定",
        )
    return ("by default: no quality agreement sets it", "此为默认规则：无质量协议对此作出约定")

"""Process chains: define a version (validated as a DAG), close it."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_noop

from bioseg.accounts.models import User
from bioseg.accounts.roles import Role
from bioseg.audit.context import audit_context
from bioseg.common.errors import Problem, Refused
from bioseg.common.scoping import recheck
from bioseg.common.validation import Errors
from bioseg.production.models import (
    Lot,
    ProcessChain,
    Segment,
    SegmentFeed,
    Stage,
)
from bioseg.production.services.common import _reason, _require
from bioseg.registry.models import Product, Site
from bioseg.registry.scope import scope_for


def _site_label(site: Site) -> str:
    return f"{site.country_code}/{site.region_code or '-'}"


def chain_problems(
    *,
    product: Product,
    segments: list[dict],
    effective_from: dt.date | None,
    effective_until: dt.date | None,
    exclude_chain_id: int | None = None,
) -> list[Problem]:
    """Every problem with a proposed chain (empty when it is valid): each segment has a known stage, a
    code and a site; ``feeds`` name segments of the chain; no cycles; every component drug substance
    feeds a formulation segment; the version's effective period overlaps no other version's."""
    problems: list[Problem] = []
    if effective_from is None:
        problems.append(
            Problem("effective_from_missing", "The chain needs an effective-from date.", "工艺链需要生效日期。")
        )
    elif effective_until is not None and effective_until < effective_from:
        problems.append(
            Problem(
                "period_out_of_order",
                f"effective until ({effective_until}) is before effective from ({effective_from}).",
                f"失效日期（{effective_until}）早于生效日期（{effective_from}）。",
            )
        )
    if not segments:
        problems.append(Problem("no_segments", "A chain needs at least one segment.", "工艺链至少需要一个分段。"))
    codes: dict[str, dict] = {}
    for i, seg in enumerate(segments, start=1):
        code = (seg.get("code") or "").strip()
        label = code or f"#{i}"
        if not code:
            problems.append(
                Problem(
                    "segment_code_missing", f"Segment {label} has no code.", f"分段 {label} 缺少代码。", segment=label
                )
            )
        elif code in codes:
            problems.append(
                Problem(
                    "segment_code_duplicate",
                    f"Segment code {code} is used twice.",
                    f"分段代码 {code} 重复。",
                    segment=code,
                )
            )
        else:
            codes[code] = seg
        if seg.get("stage") not in Stage.values:
            problems.append(
                Problem(
                    "segment_stage_unknown",
                    f"Segment {label}: {seg.get('stage')!r} is not a known stage.",
                    f"分段 {label}：{seg.get('stage')!r} 不是已知的生产阶段。",
                    segment=label,
                )
            )
        if not (seg.get("name_zh") or "").strip() or not (seg.get("name_en") or "").strip():
            problems.append(
                Problem(
                    "segment_name_missing",
                    f"Segment {label} needs a Chinese and an English name.",
                    f"分段 {label} 需要中文和英文名称。",
                    segment=label,
                )
            )
        too_long = Errors()
        too_long.fits(Segment, {k: str(seg.get(k) or "") for k in ("code", "name_zh", "name_en")})
        for field, (en, zh) in too_long.fields.items():
            problems.append(
                Problem(
                    "segment_text_too_long", f"Segment {label}: {en}", f"分段 {label}：{zh}", segment=label, field=field
                )
            )
        if seg.get("site") is None:
            problems.append(
                Problem(
                    "segment_site_missing",
                    f"Segment {label} has no site.",
                    f"分段 {label} 未指定生产场地。",
                    segment=label,
                )
            )
    graph: dict[str, list[str]] = {}
    for code, seg in codes.items():
        targets = []
        for target in seg.get("feeds") or []:
            if target not in codes:
                problems.append(
                    Problem(
                        "feeds_unknown_segment",
                        f"Segment {code} feeds {target!r}, which is not a segment of this chain.",
                        f"分段 {code} 的下游 {target!r} 不是本工艺链的分段。",
                        segment=code,
                    )
                )
            elif target == code:
                problems.append(
                    Problem(
                        "feeds_itself",
                        f"Segment {code} feeds itself.",
                        f"分段 {code} 不能作为自身的下游。",
                        segment=code,
                    )
                )
            else:
                targets.append(target)
        graph[code] = targets
    cycle = _find_cycle(graph)
    if cycle:
        path = " → ".join(cycle)
        problems.append(
            Problem("cycle", f"The chain has a cycle: {path}.", f"工艺链存在循环：{path}。", segments=list(cycle))
        )
    for code, seg in codes.items():
        if seg.get("stage") == Stage.COMPONENT_DS and not any(
            codes[t].get("stage") == Stage.FORMULATION for t in graph.get(code, [])
        ):
            problems.append(
                Problem(
                    "component_not_feeding_formulation",
                    f"Component drug substance {code} does not feed a formulation segment.",
                    f"组分原液分段 {code} 未进入制剂配制分段。",
                    segment=code,
                )
            )
    if effective_from is not None:
        others = ProcessChain.objects.filter(product=product)
        if exclude_chain_id:
            others = others.exclude(pk=exclude_chain_id)
        for other in others.order_by("version"):
            starts_before_other_ends = other.effective_until is None or effective_from <= other.effective_until
            other_starts_before_end = effective_until is None or other.effective_from <= effective_until
            if starts_before_other_ends and other_starts_before_end:
                until = other.effective_until or "—"
                problems.append(
                    Problem(
                        "period_overlap",
                        f"The effective period overlaps version {other.version} ({other.effective_from} – {until}).",
                        f"生效期间与第 {other.version} 版（{other.effective_from} – {until}）重叠。",
                        version=other.version,
                    )
                )
    return problems


def _find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    """A cycle as a closed path (first node repeated at the end), or None. Walks in chain order, so the
    answer is deterministic and starts where a reader of the chain would."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(graph, white)
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = grey
        stack.append(node)
        for nxt in graph.get(node, []):
            if colour.get(nxt) == grey:
                return stack[stack.index(nxt) :] + [nxt]
            if colour.get(nxt) == white:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        colour[node] = black
        return None

    for node in graph:
        if colour[node] == white:
            found = visit(node)
            if found:
                return found
    return None


def chain_check(*, chain: ProcessChain) -> list[Problem]:
    """Re-validates a stored chain (e.g. after a site was changed in the registry)."""
    segments = [
        {
            "code": s.code,
            "stage": s.stage,
            "name_zh": s.name_zh,
            "name_en": s.name_en,
            "site": s.site,
            "feeds": [t.code for t in s.feeds.all()],
        }
        for s in chain.segments.select_related("site").prefetch_related("feeds")
    ]
    return chain_problems(
        product=chain.product,
        segments=segments,
        effective_from=chain.effective_from,
        effective_until=chain.effective_until,
        exclude_chain_id=chain.pk,
    )


def chain_create(
    *,
    actor: User,
    product: Product,
    effective_from: dt.date,
    segments: list[dict],
    effective_until: dt.date | None = None,
    version: int | None = None,
    note: str = "",
    reason: str = "",
) -> ProcessChain:
    """Defines a version of ``product``'s segmented chain. ``segments`` are dicts ``{code, stage, name_zh,
    name_en, site, feeds: [codes]}`` in chain order. Refused with every problem if invalid."""
    _require(actor, (Role.HOLDER_RA, Role.HOLDER_QA), {product.holder_id}, "define a process chain")
    problems = chain_problems(
        product=product, segments=segments, effective_from=effective_from, effective_until=effective_until
    )
    if version is None:
        last = ProcessChain.objects.filter(product=product).order_by("-version").first()
        version = (last.version + 1) if last else 1
    elif ProcessChain.objects.filter(product=product, version=version).exists():
        problems.append(
            Problem("version_exists", f"Version {version} already exists.", f"第 {version} 版已存在。", version=version)
        )
    if problems:
        raise Refused("chain_invalid", "The process chain is invalid", "工艺链无效", problems)
    with transaction.atomic(), audit_context(actor=actor, reason=reason or gettext_noop("process chain defined")):
        chain = ProcessChain.objects.create(
            product=product,
            version=version,
            effective_from=effective_from,
            effective_until=effective_until,
            note=note.strip(),
        )
        by_code = {}
        for position, seg in enumerate(segments, start=1):
            by_code[seg["code"].strip()] = Segment.objects.create(
                chain=chain,
                position=position,
                code=seg["code"].strip(),
                stage=seg["stage"],
                name_zh=seg["name_zh"].strip(),
                name_en=seg["name_en"].strip(),
                site=seg["site"],
            )
        SegmentFeed.objects.bulk_create(
            [
                SegmentFeed(source=by_code[seg["code"].strip()], target=by_code[t])
                for seg in segments
                for t in dict.fromkeys(seg.get("feeds") or [])
            ]
        )
        recheck(chain, scope_for(actor), "process chain")
        return chain


def chain_close(*, actor: User, chain: ProcessChain, effective_until: dt.date, reason: str) -> ProcessChain:
    """Ends a chain version (e.g. before the next version takes over)."""
    _require(actor, (Role.HOLDER_RA, Role.HOLDER_QA), {chain.product.holder_id}, "change a process chain")
    _reason(reason)
    e = Errors()
    e.required("effective_until", effective_until)
    e.date_order("effective_from", chain.effective_from, "effective_until", effective_until)
    if effective_until and Lot.objects.filter(segment__chain=chain, manufactured_on__gt=effective_until).exists():
        e.add(
            "effective_until",
            "Lots were already made under this version after that date.",
            "该日期之后已有按此版本生产的批。",
        )
    e.raise_if_any()
    with transaction.atomic(), audit_context(actor=actor, reason=reason):
        chain.effective_until = effective_until
        chain.save(update_fields=["effective_until", "updated_at"])
        return chain

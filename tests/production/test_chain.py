"""Process chains: validation (sites, cycles, components → formulation, versions), border crossings."""

from __future__ import annotations

import datetime as dt

import pytest

from bioseg.audit.models import AuditEvent
from bioseg.common.errors import ApplicationError, PermissionDenied
from bioseg.production import selectors
from bioseg.production import services as ps
from bioseg.production.models import ProcessChain, Segment, SegmentFeed
from bioseg.registry import services as rs

pytestmark = pytest.mark.django_db


def chain_counts():
    return (
        ProcessChain.objects.count(),
        Segment.objects.count(),
        SegmentFeed.objects.count(),
        AuditEvent.objects.count(),
    )


def seg(code, stage, site, feeds=()):
    return {
        "code": code,
        "stage": stage,
        "name_zh": code + "段",
        "name_en": code + " segment",
        "site": site,
        "feeds": list(feeds),
    }


def refused_codes(exc) -> list[str]:
    return [p["code"] for p in exc.value.details["problems"]]


def test_the_fixture_chain_is_stored_with_its_feeds(world):
    segments = selectors.chain_segments(chain=world.chain)
    assert [(s.position, s.code, s.stage, s.site.name_en) for s in segments] == [
        (1, "WCB", "cell_bank", "Suzhou site"),
        (2, "DS", "drug_substance", "Suzhou site"),
        (3, "DP", "drug_product", "Shanghai site"),
    ]
    assert {s.code: sorted(t.code for t in s.feeds.all()) for s in segments} == {"WCB": ["DS"], "DS": ["DP"], "DP": []}
    assert world.chain.version == 1
    assert ps.chain_check(chain=world.chain) == []


def test_the_chain_shows_where_it_crosses_a_provincial_border(world):
    crossings = selectors.chain_border_crossings(chain=world.chain)
    assert [c.as_dict() for c in crossings] == [
        {
            "kind": "provincial",
            "source_segment_id": world.seg["DS"].pk,
            "source_code": "DS",
            "target_segment_id": world.seg["DP"].pk,
            "target_code": "DP",
            "from_country": "CN",
            "from_region": "320000",
            "to_country": "CN",
            "to_region": "310000",
        }
    ]
    assert selectors.chain_regions(chain=world.chain) == [("CN", "310000"), ("CN", "320000")]


def test_a_foreign_segment_is_a_national_border_crossing(world, admin, make_user):
    from bioseg.accounts.roles import OrganisationKind, Role
    from bioseg.accounts.services import organisation_create
    from bioseg.audit.context import audit_context

    with audit_context(actor="setup"):
        org = organisation_create(
            kind=OrganisationKind.ENTERPRISE, name_zh="瑞士公司", name_en="Basel Chem", country_code="CH"
        )
    basel = rs.enterprise_create(
        actor=admin,
        name_zh="巴塞尔化学",
        name_en="Basel Chem",
        credit_code=None,
        domestic=False,
        country_code="CH",
        roles=["contract_manufacturer"],
        organisation=org,
    )
    basel_qa = make_user(Role.CMO_QA, org, username="basel-qa")
    basel_site = rs.site_create(
        actor=basel_qa,
        enterprise=basel,
        name_zh="巴塞尔",
        name_en="Basel site",
        address="Basel",
        country_code="CH",
        activities=["drug_substance"],
    )
    adc = rs.product_create(
        actor=world.holder_qa, holder=world.holder, name_zh="ADC", name_en="HER2 ADC", category="adc"
    )
    chain = ps.chain_create(
        actor=world.holder_qa,
        product=adc,
        effective_from=dt.date(2025, 1, 1),
        segments=[
            seg("AB", "antibody_intermediate", world.js_site, ["CONJ"]),
            seg("LP", "linker_payload", basel_site, ["CONJ"]),
            seg("CONJ", "conjugation", world.sh_site, ["FILL"]),
            seg("FILL", "fill", world.sh_site),
        ],
    )
    assert [(c.kind, c.source_code, c.target_code) for c in selectors.chain_border_crossings(chain=chain)] == [
        ("provincial", "AB", "CONJ"),
        ("national", "LP", "CONJ"),
    ]


def test_a_cycle_is_refused_and_nothing_is_written(world):
    other = rs.product_create(
        actor=world.holder_qa, holder=world.holder, name_zh="另一产品", name_en="Other mAb", category="antibody"
    )
    before = chain_counts()
    with pytest.raises(ApplicationError) as exc:
        ps.chain_create(
            actor=world.holder_qa,
            product=other,
            effective_from=dt.date(2026, 1, 1),
            segments=[
                seg("DS", "drug_substance", world.js_site, ["DP"]),
                seg("DP", "drug_product", world.sh_site, ["PK"]),
                seg("PK", "packaging", world.sh_site, ["DS"]),
            ],
        )
    assert exc.value.code == "chain_invalid"
    assert refused_codes(exc) == ["cycle"]
    assert exc.value.details["problems"][0]["segments"] == ["DS", "DP", "PK", "DS"]
    assert exc.value.details["problems"][0]["message"] == "The chain has a cycle: DS → DP → PK → DS."
    assert exc.value.details["problems"][0]["message_zh"] == "工艺链存在循环：DS → DP → PK → DS。"
    assert chain_counts() == before


def test_every_problem_is_listed_at_once(world):
    before = chain_counts()
    with pytest.raises(ApplicationError) as exc:
        ps.chain_create(
            actor=world.holder_qa,
            product=world.pd1,
            effective_from=dt.date(2025, 6, 1),  # overlaps v1, open-ended from 2025-01-01
            segments=[
                seg("ST1", "component_ds", world.js_site, ["MIX"]),
                seg("ST2", "component_ds", None, ["ST1"]),  # no site; feeds a component, not the formulation
                seg("MIX", "formulation", world.sh_site, ["NOPE"]),
            ],
        )
    assert refused_codes(exc) == [
        "segment_site_missing",
        "feeds_unknown_segment",
        "component_not_feeding_formulation",
        "period_overlap",
    ]
    assert exc.value.details["problems"][2]["segment"] == "ST2"
    assert chain_counts() == before


def test_a_multivalent_chain_needs_each_component_to_feed_the_formulation(world):
    components = [seg(f"ST{i}", "component_ds", world.js_site, ["MIX"]) for i in range(1, 14)]
    vaccine = rs.product_create(
        actor=world.holder_qa, holder=world.holder, name_zh="13价疫苗", name_en="PCV13", category="vaccine_multivalent"
    )
    chain = ps.chain_create(
        actor=world.holder_qa,
        product=vaccine,
        effective_from=dt.date(2025, 1, 1),
        segments=[*components, seg("MIX", "formulation", world.sh_site)],
    )
    assert chain.segments.count() == 14
    assert SegmentFeed.objects.filter(target__chain=chain, target__code="MIX").count() == 13


def test_versions_must_not_overlap_but_may_follow_each_other(world):
    with pytest.raises(ApplicationError) as exc:
        ps.chain_close(actor=world.holder_qa, chain=world.chain, effective_until=dt.date(2025, 12, 31), reason="")
    assert exc.value.code == "validation_error"
    ps.chain_close(
        actor=world.holder_qa, chain=world.chain, effective_until=dt.date(2025, 12, 31), reason="v2 from 2026"
    )
    v2 = ps.chain_create(
        actor=world.holder_qa,
        product=world.pd1,
        effective_from=dt.date(2026, 1, 1),
        segments=[seg("DS", "drug_substance", world.js_site, ["DP"]), seg("DP", "drug_product", world.sh_site)],
    )
    assert v2.version == 2
    assert selectors.chain_effective(product=world.pd1, on_date=dt.date(2025, 12, 31)) == world.chain
    assert selectors.chain_effective(product=world.pd1, on_date=dt.date(2026, 1, 1)) == v2
    with pytest.raises(ApplicationError) as exc:
        ps.chain_create(
            actor=world.holder_qa,
            product=world.pd1,
            effective_from=dt.date(2025, 12, 31),
            effective_until=dt.date(2026, 1, 1),
            segments=[seg("DS", "drug_substance", world.js_site)],
        )
    assert [(p["code"], p["version"]) for p in exc.value.details["problems"]] == [
        ("period_overlap", 1),
        ("period_overlap", 2),
    ]


def test_only_the_holder_defines_its_chain(world):
    before = chain_counts()
    with pytest.raises(PermissionDenied):
        ps.chain_create(
            actor=world.cmo_qa,
            product=world.pd1,
            effective_from=dt.date(2027, 1, 1),
            segments=[seg("DS", "drug_substance", world.js_site)],
        )
    assert chain_counts() == before

"""The supervision section of the evaluation against the demo's records (bioseg/demo/oversight.py): five inspections
planned by 2026-12-04 (a GMP inspection closed in June, the joint annual inspection reported in October with a major
and a minor finding, the sampling inspection awaiting its report, the for-cause inspection its unqualified sample
made due, the secret unannounced one), one of two samples qualified, and the results shared within the PD-1 joint
plan's five working days for two of the three inspections whose limit had passed; and as of an earlier date, only
what had happened by then."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from bioseg.evaluation.figures import evaluation
from tests.evaluation.test_interfaces import demo  # noqa: F401  (the fixture)


def figures(as_of, **kw):
    ev = evaluation(as_of=as_of, drills=False, **kw)
    section = next(s for s in ev.sections if s.key == "supervision")
    return {f.key.removeprefix("supervision."): f.value for f in section.figures}, section


def test_the_supervision_figures_count_the_demos_inspections(demo, db):  # noqa: F811
    got, section = figures(dt.date(2026, 12, 4))
    assert got == {
        "inspections_planned": 5,
        "inspections_done": 3,
        "findings": 2,
        "sampling_pass_rate": Decimal("50.0"),
        "joint_inspections": 1,
        "exchange_in_time": Decimal("66.7"),
        "high_risk_sites": 4,  # the four sites of the Jiangsu holders' chains, rated high by the 2027 programmes
    }
    by_kind = {r["kind"]: (r["planned"], r["done"], r["reported"]) for r in section.tables[0].rows}
    assert by_kind == {
        "annual_comprehensive": (1, 1, 1),
        "gmp_compliance": (1, 1, 1),
        "sampling": (1, 1, 0),
        "unannounced": (1, 0, 0),
        "for_cause": (1, 0, 0),
    }
    assert [(r["grade"], r["findings"]) for r in section.tables[1].rows] == [
        ("critical", 0),
        ("major", 1),
        ("minor", 1),
    ]
    assert [c.key for c in section.charts] == ["supervision.chart_inspections", "supervision.chart_risk"]


def test_as_of_an_earlier_date_only_what_had_happened_counts(demo, db):  # noqa: F811
    got, section = figures(dt.date(2026, 9, 30), province="310000")
    assert got == {
        "inspections_planned": 2,  # the GMP inspection (June) and the joint one (planned 2026-09-21)
        "inspections_done": 1,
        "findings": 0,
        "sampling_pass_rate": None,
        "joint_inspections": 0,
        "exchange_in_time": Decimal("100.0"),
        "high_risk_sites": 0,  # Qilan alone was rated by then (the June report): medium
    }
    assert [c.key for c in section.charts][:1] == ["supervision.chart_inspections"]

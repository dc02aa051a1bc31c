"""Simultaneous requests on one standing-route arrangement, on real connections (committed data, one thread each):
two NMPA determinations of one question give one determination and one refusal; the holder's province passing
its review while the contract manufacturer's province consents never passes it before the consent."""

from __future__ import annotations

import pytest

from bioseg.pilots import standing
from bioseg.pilots.models import ArrangementEvent, OpenQuestion, SegmentedArrangement
from tests.conftest import PASSWORD
from tests.pilots.standing_helpers import PD1_STANDING_FACTS, TODAY, approve_pd1_pilot
from tests.pilots.test_races import at_once

pytestmark = pytest.mark.django_db(transaction=True)


def submitted(pw, on_day) -> SegmentedArrangement:
    approve_pd1_pilot(pw, on_day)
    on_day(TODAY)
    a = standing.arrangement_draft(actor=pw.sz_ra, product=pw.pd1)
    a = standing.arrangement_facts_declare(actor=pw.sz_ra, arrangement=a, facts=PD1_STANDING_FACTS, reason="r")
    standing.arrangement_assess(actor=pw.sz_ra, arrangement=a)
    a.refresh_from_db()
    return standing.arrangement_submit(actor=pw.sz_ra, arrangement=a, password=PASSWORD)


def test_two_determinations_of_one_question_at_once_give_one(pw, on_day, audited_transactional_db):
    a = submitted(pw, on_day)
    q = OpenQuestion.objects.get(arrangement=a, key="Q11")

    def determine(text):
        return lambda: standing.question_determine(
            actor=pw.nmpa,
            question=OpenQuestion.objects.get(pk=q.pk),
            outcome="pass",
            determination=text,
            reasoning="r",
            password=PASSWORD,
        )

    results = at_once(determine("first"), determine("second"))
    assert sorted(type(r).__name__ for r in results) == ["OpenQuestion", "WrongState"]
    q.refresh_from_db()
    assert q.status == "determined" and q.determination in ("first", "second")
    assert ArrangementEvent.objects.filter(arrangement=a, kind="question_determined").count() == 1


def test_the_review_never_passes_before_the_consent(pw, on_day, audited_transactional_db):
    a = submitted(pw, on_day)
    results = at_once(
        lambda: standing.arrangement_review(
            actor=pw.js_reviewer,
            arrangement=SegmentedArrangement.objects.get(pk=a.pk),
            passed=True,
            comment="",
            password=PASSWORD,
        ),
        lambda: standing.arrangement_consent(
            actor=pw.sh_reviewer,
            arrangement=SegmentedArrangement.objects.get(pk=a.pk),
            give=True,
            comment="",
            password=PASSWORD,
        ),
    )
    assert type(results[1]).__name__ == "ArrangementConsent"
    a.refresh_from_db()
    kinds = list(ArrangementEvent.objects.filter(arrangement=a).values_list("kind", flat=True))
    if type(results[0]).__name__ == "SegmentedArrangement":
        assert a.status == "reviewed"
        assert kinds.index("consent_given") < kinds.index("reviewed")
    else:
        assert (results[0].code, a.status) == ("consent_pending", "submitted")
        assert "reviewed" not in kinds

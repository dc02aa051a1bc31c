"""Who dispositions the lots after a transport temperature excursion follows the quality agreement: by default the
holder (SH-1 carries the holder's drug-substance lots D1, D2 to the Shanghai CDMO), or the party the agreement's
row ``excursion_disposition`` names. The other party is refused (403) naming who may, and nothing changes; the
shipment page says who disposes and whether that is the default."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.test import Client

from bioseg.audit.models import Signature
from bioseg.common.errors import ApplicationError
from bioseg.production import services as ps
from bioseg.production.disposition import excursion_disposition_authority
from bioseg.production.models import Excursion, ExcursionAssessment
from bioseg.quality.duties import duty_set
from bioseg.registry.models import QualityAgreement
from tests.conftest import PASSWORD
from tests.production.helpers import reload
from tests.production.test_coldchain import WARM, cold_counts

pytestmark = pytest.mark.django_db


def excursion(world, genealogy) -> Excursion:
    ps.temperature_log_upload(actor=world.cmo_qa, shipment=genealogy.sh1, file_name="warm.csv", content=WARM)
    return Excursion.objects.get()


def cmo_disposes(world):
    duty_set(
        actor=world.holder_qa,
        agreement=QualityAgreement.objects.get(reference="QA-2025-001"),
        activity="excursion_disposition",
        responsible="cmo",
        approver="cmo",
        notify="holder",
        notify_within_hours=24,
        reason="Amendment 3: the receiving site disposes after transport",
    )


def assess(actor, x, password=PASSWORD):
    return ps.excursion_assess(
        actor=actor, password=password, excursion=x, outcome="accepted", justification="stability data cover it"
    )


def state(x, genealogy):
    return (
        cold_counts(),
        ExcursionAssessment.objects.count(),
        Signature.objects.count(),
        reload(x).status,
        reload(genealogy.d1).status,
        reload(genealogy.d2).status,
    )


def test_by_default_the_holder_dispositions_its_drug_substance_lots_and_the_receiver_is_refused(genealogy, world):
    x = excursion(world, genealogy)
    a = excursion_disposition_authority(x)
    assert (a.party, a.enterprise_ids, a.default, a.agreement_reference) == (
        "holder",
        frozenset({world.holder.pk}),
        True,
        "QA-2025-001",
    )
    before = state(x, genealogy)
    with pytest.raises(ApplicationError) as exc:
        assess(world.cmo_qa, x)
    assert (exc.value.status, exc.value.code) == (403, "not_disposition_party")
    assert exc.value.message == (
        "You may not disposition these lots: The lots held by the excursion on shipment SH-1 are dispositioned by "
        "the holder (Suzhou Holder), by default: quality agreement QA-2025-001 sets nothing for it."
    )
    assert exc.value.message_zh == (
        "您无权处置这些批：运输 SH-1 温度偏离所涉的批应由持有人（Suzhou Holder公司）处置，"
        "此为默认规则：质量协议 QA-2025-001 对此未作约定。"
    )
    [problem] = exc.value.details["problems"]
    assert (problem["party"], problem["enterprise_ids"], problem["default"]) == ("holder", [world.holder.pk], True)
    assert state(x, genealogy) == before == (before[0], 0, 0, "open", "on_hold", "on_hold")

    assessment = assess(world.holder_qa, x)
    assert (reload(x).status, assessment.assessed_by) == ("assessed", world.holder_qa)
    assert (reload(genealogy.d1).status, reload(genealogy.d2).status) == ("quarantine", "quarantine")


def test_when_the_agreement_names_the_contract_manufacturer_it_dispositions_and_the_holder_is_refused(genealogy, world):
    cmo_disposes(world)
    x = excursion(world, genealogy)
    a = excursion_disposition_authority(x)
    assert (a.party, a.enterprise_ids, a.default) == ("cmo", frozenset({world.cmo.pk}), False)
    before = state(x, genealogy)
    for holder_person in (world.holder_qa, world.qp):
        with pytest.raises(ApplicationError) as exc:
            assess(holder_person, x)
        assert (exc.value.status, exc.value.code) == (403, "not_disposition_party")
        assert exc.value.message_zh == (
            "您无权处置这些批：运输 SH-1 温度偏离所涉的批应由受托生产企业（Shanghai CDMO公司）处置，"
            "按质量协议 QA-2025-001 的约定。"
        )
        assert exc.value.message.endswith(
            "are dispositioned by the contract manufacturer (Shanghai CDMO), as quality agreement QA-2025-001 sets it."
        )
    assert state(x, genealogy) == before

    assessment = assess(world.cmo_qa, x)
    assert (reload(x).status, assessment.assessed_by) == ("assessed", world.cmo_qa)
    assert Signature.objects.get().signer == world.cmo_qa


def test_an_unrelated_enterprise_gets_the_plain_refusal(genealogy, world):
    from bioseg.common.errors import PermissionDenied

    x = excursion(world, genealogy)
    before = state(x, genealogy)
    with pytest.raises(PermissionDenied):
        assess(world.gd_qa, x)
    assert state(x, genealogy) == before


# --- the shipment page -----------------------------------------------------------------------------------------


def page(user, path, lang="zh-hans", data=None):
    c = Client()
    c.force_login(user)
    if lang != "zh-hans":
        c.post("/i18n/setlang/", {"language": lang, "next": "/"})
    r = c.post(path, data) if data is not None else c.get(path)
    return r.status_code, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html_lib.unescape(r.content.decode()))), r


def test_the_page_says_who_dispositions_offers_the_form_only_to_them_and_shows_a_refusal(genealogy, world):
    x = excursion(world, genealogy)
    url = f"/shipments/{genealogy.sh1.pk}/"
    code, text, r = page(world.cmo_qa, url)
    assert code == 200
    assert "批的处置方：持有人（Suzhou Holder公司），此为默认规则：质量协议 QA-2025-001 对此未作约定。" in text
    assert "等待持有人（Suzhou Holder公司）处置。" in text
    assert 'data-testid="assess-form"' not in r.content.decode()
    assert 'data-default="true"' in r.content.decode()

    before = state(x, genealogy)
    p = f"x{x.pk}"
    form = {f"{p}-outcome": "accepted", f"{p}-justification": "ok", f"{p}-password": PASSWORD}
    code, text, _r = page(world.cmo_qa, f"/excursions/{x.pk}/assess/", data=form)
    assert code == 400
    assert "您无权处置这些批：运输 SH-1 温度偏离所涉的批应由持有人（Suzhou Holder公司）处置" in text
    assert state(x, genealogy) == before

    code, text, r = page(world.holder_qa, url, lang="en")
    assert (
        "Disposition of the lots: the holder (Suzhou Holder), by default: quality agreement QA-2025-001 sets "
        "nothing for it." in text
    )
    assert 'data-testid="assess-form"' in r.content.decode()


def test_the_page_follows_the_agreement_when_it_names_the_contract_manufacturer(genealogy, world):
    cmo_disposes(world)
    x = excursion(world, genealogy)
    url = f"/shipments/{genealogy.sh1.pk}/"
    code, text, r = page(world.holder_qa, url)
    assert "批的处置方：受托生产企业（Shanghai CDMO公司），按质量协议 QA-2025-001 的约定。" in text
    assert 'data-testid="assess-form"' not in r.content.decode() and 'data-default="false"' in r.content.decode()
    code, text, r = page(world.cmo_qa, url)
    assert 'data-testid="assess-form"' in r.content.decode()
    p = f"x{x.pk}"
    form = {f"{p}-outcome": "rejected", f"{p}-justification": "无稳定性数据", f"{p}-password": PASSWORD}
    code, _text, r = page(world.cmo_qa, f"/excursions/{x.pk}/assess/", data=form)
    assert code == 302
    assert (reload(x).status, reload(genealogy.d1).status, reload(genealogy.d2).status) == (
        "assessed",
        "rejected",
        "rejected",
    )

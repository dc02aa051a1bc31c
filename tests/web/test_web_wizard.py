"""The eligibility wizard: the missing facts of each determination drive the next questions; the acts of
regulators it awaits (a joint plan, NMPA's consent) are offered last, to be recorded once done."""

from __future__ import annotations

import io
import json
import re

import pypdf
import pytest
from django.utils import timezone
from django.utils.html import escape

from bioseg.regulation.labels import generic_path
from tests.quality.test_chinese_pages import _Text, english_words

pytestmark = pytest.mark.django_db

URL = "/wizard/"
AS_OF = "2025-06-30"

# What a holder would answer, by fact path without list indices.
ANSWERS = {
    "product.category": "antibody",
    "product.origin": "originally_developed",
    "product.innovative": "true",
    "holder.name": "Suzhou Innovator Biologics",
    "holder.domestic": "true",
    "holder.import_drug_holder": "false",
    "holder.region": "320000",
    "holder.capabilities.independent_rd": "true",
    "holder.capabilities.quality_management": "true",
    "holder.capabilities.risk_control": "true",
    "holder.capabilities.liability_compensation": "true",
    "contract_manufacturers.commercial_biologics_production_since": "2018-03-01",
    "contract_manufacturers.qa_system_complete": "true",
    "contract_manufacturers.unified_quality_system": "true",
    "joint_regulatory_plan.agreed_by": ["320000", "310000"],
}
ROWS = {
    "segments": [
        {"stage": "drug_substance", "enterprise": "Suzhou Innovator Biologics", "region": "320000"},
        {"stage": "drug_product", "enterprise": "Shanghai CDMO", "region": "310000"},
    ],
    "stationed_personnel": [
        {"name": "Li Wei", "qualified": "true", "stationed_at": "Shanghai CDMO"},
        {"name": "Zhang Min", "qualified": "true", "stationed_at": "Shanghai CDMO"},
    ],
}


def answers_for(questions) -> dict:
    data: dict = {}
    for q in questions:
        if q.kind == "list":
            for i, row in enumerate(ROWS.get(q.path, [])):
                for inp in q.rows[i]:
                    data[inp.name] = row[generic_path(inp.path).rsplit(".", 1)[-1]]
            continue
        for inp in q.inputs:
            key = generic_path(inp.path)
            if key in ANSWERS:
                data[inp.name] = ANSWERS[key]
    return data


def step(client, ctx, answers: dict, *, htmx: bool = False):
    data = {"state": ctx["state"], "as_of": AS_OF, "ruleset": ctx["ruleset"], **answers}
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "wizard"} if htmx else {}
    return client.post(URL, data, **headers)


def walk(client, response, *, max_steps: int = 8) -> list[list[str]]:
    """Answer every question asked until none is left; returns the paths asked at each step."""
    asked = []
    for n in range(max_steps):
        ctx = response.context
        questions = ctx["questions"]
        if not questions:
            return asked
        paths = [q.path for q in questions]
        # the questions are exactly the determination's missing facts, then the regulators' acts it awaits
        determination = ctx["determination"]
        assert paths == determination["missing_facts"] + determination["awaited_facts"]
        html = response.content.decode()
        for q in questions:
            assert f'data-path="{escape(q.path)}"' in html
        asked.append(paths)
        response = step(client, ctx, answers_for(questions), htmx=n % 2 == 1)
        assert response.status_code == 200, response.content.decode()[:2000]
    raise AssertionError(f"still asking after {max_steps} steps: {response.context['questions']}")


def test_from_an_empty_case_to_eligible(login, world):
    client = login(world.holder_qa)
    first = client.get(URL, {"as_of": AS_OF})
    assert first.status_code == 200
    assert first.context["determination"]["outcome"] == "incomplete"
    asked = walk(client, first)
    assert asked[0] == [
        "product.category",
        "segments",
        "holder.capabilities.independent_rd",
        "holder.capabilities.quality_management",
        "holder.capabilities.risk_control",
        "holder.capabilities.liability_compensation",
        "product.origin",
        "contract_manufacturers",
    ]
    # the next questions follow from the answers: the named contract manufacturer, the holder, the plan
    assert "holder.name" in asked[1]
    flat = [p for paths in asked for p in paths]
    assert 'contract_manufacturers[name="Shanghai CDMO"].commercial_biologics_production_since' in flat
    assert "stationed_personnel" in flat
    assert "joint_regulatory_plan" in flat
    # never asked: facts that do not matter for this case
    assert "nmpa_consent" not in flat
    assert "application.submitted_on" not in flat
    assert not [p for p in flat if "redelegates" in p or "electronic_records" in p]  # reg2026 only
    assert len(asked) == 3


def test_the_last_step_is_eligible_with_the_explanation_and_the_law(login, world):
    client = login(world.holder_qa)
    response = client.get(URL, {"as_of": AS_OF})
    for _ in range(8):
        if not response.context["questions"]:
            break
        response = step(client, response.context, answers_for(response.context["questions"]))
    ctx = response.context
    assert ctx["determination"]["outcome"] == "eligible"
    assert ctx["determination"]["missing_facts"] == []
    html = response.content.decode()
    assert 'data-testid="outcome" data-outcome="eligible"' in html
    assert 'data-rule="pilot2024.cmo.experience" data-outcome="pass"' in html
    assert 'data-rule="pilot2024.scope.vaccine_segmentation" data-outcome="not_applicable"' in html
    # the citations: in Chinese the law's words alone; in English their rendering, the original marked as Chinese
    assert "<p>「血液制品、麻醉药品、精神药品、医疗用毒性药品、药品类易制毒化学品不得委托生产" in html
    assert "Blood products, narcotic drugs, psychotropic drugs" not in html
    client.cookies["django_language"] = "en"
    en = step(client, ctx, {}).content.decode()
    client.cookies["django_language"] = "zh-hans"
    assert "<p>“Blood products, narcotic drugs, psychotropic drugs" in en
    assert (
        '<p lang="zh-Hans" class="muted">「血液制品、麻醉药品、精神药品、医疗用毒性药品、药品类易制毒化学品不得委托生产'
        in en
    )
    case = json.loads(ctx["state"])
    assert case["stationed_personnel"] == [
        {"name": "Li Wei", "qualified": True, "stationed_at": "Shanghai CDMO"},
        {"name": "Zhang Min", "qualified": True, "stationed_at": "Shanghai CDMO"},
    ]
    assert case["contract_manufacturers"] == [
        {
            "name": "Shanghai CDMO",
            "commercial_biologics_production_since": "2018-03-01",
            "qa_system_complete": True,
            "unified_quality_system": True,
        }
    ]

    pdf = client.post("/wizard/pdf/", {"state": ctx["state"], "as_of": AS_OF, "ruleset": "pilot2024"})
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'attachment; filename="assessment-pilot2024-2025-06-30.pdf"'
    reader = pypdf.PdfReader(io.BytesIO(pdf.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "pilot2024.holder.stationed_personnel" in text
    assert "eligible" in text


def test_from_a_registry_product_the_known_facts_are_not_asked(login, world):
    client = login(world.holder_qa)
    response = client.get(URL, {"product": world.antibody.pk, "as_of": AS_OF})
    assert response.status_code == 200
    assert response.context["product"] == world.antibody
    case = json.loads(response.context["state"])
    assert case["product"]["category"] == "antibody"
    assert case["holder"] == {"name": "Suzhou Innovator Biologics", "domestic": True, "region": "320000"}
    assert [s["enterprise"] for s in case["segments"]] == [
        "Suzhou Innovator Biologics",
        "Shanghai CDMO",
        "Shanghai CDMO",
    ]
    paths = [q.path for q in response.context["questions"]]
    for known in ("product.category", "product.origin", "segments", "holder.name", "holder.region"):
        assert known not in paths
    assert "holder.capabilities.independent_rd" in paths
    assert "contract_manufacturers[0].commercial_biologics_production_since" in paths
    # continue on the pilot's date and reach eligible
    for _ in range(8):
        if not response.context["questions"]:
            break
        response = step(client, response.context, answers_for(response.context["questions"]))
        assert response.status_code == 200
    assert response.context["determination"]["outcome"] == "eligible"


def test_a_product_outside_the_users_scope_is_not_found(login, world):
    client = login(world.holder_qa)
    assert client.get(URL, {"product": world.glp1.pk}).status_code == 404
    assert client.get(URL, {"product": "x"}).status_code == 404
    assert client.get(URL, {"product": 999999}).status_code == 404


def test_the_cmo_sees_the_product_it_makes(login, world):
    client = login(world.cmo_qa)
    assert client.get(URL, {"product": world.antibody.pk}).status_code == 200


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_an_unknown_answer_stays_unknown(login, world):
    client = login(world.holder_qa)
    ctx = client.get(URL, {"as_of": AS_OF}).context
    response = step(client, ctx, {"f:product.category": "", "f:holder.capabilities.independent_rd": ""})
    assert response.status_code == 200
    assert json.loads(response.context["state"]) == {}
    no = step(client, ctx, {"f:holder.capabilities.independent_rd": "false"})
    assert json.loads(no.context["state"]) == {"holder": {"capabilities": {"independent_rd": False}}}
    assert no.context["determination"]["outcome"] == "ineligible"


def test_there_are_none(login, world):
    client = login(world.holder_qa)
    ctx = client.get(URL, {"as_of": AS_OF}).context
    response = step(client, ctx, {"none:segments": "1"})
    assert json.loads(response.context["state"]) == {"segments": []}
    outcomes = {f["rule"]: f["outcome"] for f in response.context["determination"]["findings"]}
    assert outcomes["pilot2024.scope.segmented"] == "fail"


def test_a_bad_answer_changes_nothing(login, world):
    client = login(world.holder_qa)
    ctx = client.get(URL, {"as_of": AS_OF}).context
    response = step(client, ctx, {"f:product.category": "antibody", "f:holder.capabilities.risk_control": "perhaps"})
    assert response.status_code == 400
    assert json.loads(response.context["state"]) == {}
    # the default language is Chinese
    assert response.context["answer_errors"] == {"f:holder.capabilities.risk_control": "请回答是、否或未知。"}
    assert 'data-testid="input-error"' in response.content.decode()
    region = step(
        client,
        ctx,
        {"f:segments[0].stage": "drug_substance", "f:segments[0].enterprise": "A", "f:segments[0].region": "ZZ"},
    )
    assert region.status_code == 400
    assert json.loads(region.context["state"]) == {}
    assert region.context["error"]["code"] == "invalid_case"
    assert region.context["error"]["field"] == "segments[0].region"


def test_htmx_gets_the_step_only_and_errors_in_place(login, world):
    client = login(world.holder_qa)
    ctx = client.get(URL, {"as_of": AS_OF}).context
    response = step(client, ctx, {"f:product.category": "antibody"}, htmx=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<div id="wizard" data-testid="wizard">')
    assert "<html" not in html
    bad = step(client, ctx, {"f:holder.capabilities.risk_control": "perhaps"}, htmx=True)
    assert bad.status_code == 200  # htmx swaps only 2xx answers: the error is shown in place
    assert 'data-testid="input-error"' in bad.content.decode()


def test_a_date_before_the_plan_is_refused_naming_the_field(login, world):
    client = login(world.holder_qa)
    response = client.post(URL, {"state": "{}", "as_of": "2024-10-20", "ruleset": "pilot2024"})
    assert response.status_code == 400
    assert response.context["error"]["code"] == "as_of_before_ruleset"
    assert response.context["error"]["field"] == "as_of"
    html = response.content.decode()
    assert 'data-code="as_of_before_ruleset" data-field="as_of"' in html


def test_the_json_editor_and_bad_json(login, world):
    client = login(world.holder_qa)
    edited = json.dumps({"product": {"category": "chemical_drug"}})
    response = client.post(URL, {"state": edited, "as_of": AS_OF, "ruleset": "pilot2024", "edited": "1"})
    assert response.status_code == 200
    assert response.context["determination"]["outcome"] == "ineligible"
    bad = client.post(URL, {"state": "{oops", "as_of": AS_OF, "ruleset": "pilot2024"})
    assert bad.status_code == 400
    assert bad.context["error"]["code"] == "case_json_malformed"
    assert bad.context["error"]["field"] == "state"
    unknown = client.post(URL, {"state": '{"colour": "blue"}', "as_of": AS_OF, "ruleset": "pilot2024"})
    assert unknown.status_code == 400
    assert unknown.context["error"]["code"] == "invalid_case"
    assert unknown.context["error"]["field"] == "colour"


def test_the_reg2026_ruleset_asks_its_own_facts(login, world):
    client = login(world.holder_qa)
    response = client.get(URL, {"ruleset": "reg2026"})
    ctx = response.context
    assert ctx["ruleset"] == "reg2026"
    assert ctx["as_of"] == timezone.localdate().isoformat()  # today by default
    assert client.get(URL, {"ruleset": "reg2025"}).context["error"]["field"] == "ruleset"
    assert client.get(URL, {"as_of": "30.06.2025"}).status_code == 400
    response = client.post(URL, {"state": "{}", "as_of": "2026-06-30", "ruleset": "reg2026"})
    paths = [q.path for q in response.context["questions"]]
    assert "holder.segmentation_need" in paths
    assert "pilot_approval.approved" in paths


def test_the_wizard_in_chinese(login, world):
    client = login(world.holder_qa)
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = response.content.decode()
    assert "资格核查" in html
    assert "规则仍需了解的事实" in html
    assert "产品类别" in html
    assert "下载 PDF" in html
    assert 'data-testid="wizard-pdf"' in html


def test_the_dashboard_offers_the_wizard(login, world):
    client = login(world.holder_qa)
    html = client.get("/").content.decode()
    assert 'href="/wizard/"' in html


@pytest.mark.parametrize(
    ("today", "as_of", "expected"),
    [
        ("2025-06-30T10:00", "", "pilot2024"),  # applications still open: the pilot plan
        ("2025-12-31T10:00", "", "pilot2024"),  # the deadline day itself
        ("2026-01-01T10:00", "", "pilot2024"),  # after the deadline, but the Regulations are not yet in force
        ("2026-05-15T10:00", "", "reg2026"),  # in force: the standing route first
        ("2026-11-25T10:00", "2025-06-30", "pilot2024"),  # an assessment dated back follows its date
    ],
)
def test_the_default_ruleset_follows_the_application_deadline(login, world, today, as_of, expected):
    import datetime as dt
    from zoneinfo import ZoneInfo

    from bioseg.common.clock import pinned

    client = login(world.holder_qa)
    with pinned(dt.datetime.fromisoformat(today).replace(tzinfo=ZoneInfo("Asia/Shanghai"))):
        response = client.get(URL, {"as_of": as_of} if as_of else {})
    assert response.status_code == 200
    assert response.context["ruleset"] == expected


def test_a_regulators_act_is_offered_last_naming_whose_act_it_is(login, world):
    client = login(world.holder_qa)
    response = client.get(URL, {"as_of": AS_OF})
    for _ in range(8):
        questions = response.context["questions"]
        if [q.path for q in questions] == ["joint_regulatory_plan"]:
            break
        answers = {k: v for k, v in answers_for(questions).items() if "joint_regulatory_plan" not in k}
        response = step(client, response.context, answers)
    ctx = response.context
    # only the provinces' agreement is left: the case awaits them, nothing is missing
    assert ctx["determination"]["outcome"] == "needs_determination"
    assert (ctx["determination"]["missing_facts"], ctx["determination"]["awaited_facts"]) == (
        [],
        ["joint_regulatory_plan"],
    )
    (plan,) = ctx["questions"]
    assert plan.kind == "group" and [i.path for i in plan.inputs] == ["joint_regulatory_plan.agreed_by"]
    assert [c[0] for c in plan.inputs[0].choices] == ["310000", "320000"]  # the provinces involved
    assert plan.awaited_from == "此为上海市药品监督管理局、江苏省药品监督管理局的职责事项，并非申请人须提供的事实。"
    html = response.content.decode()
    assert '<h3 data-testid="awaited-acts">尚待监管部门办理的事项——办理后请在此记录</h3>' in html
    assert 'data-path="joint_regulatory_plan" data-awaited="1"' in html
    done = step(client, ctx, {"f:joint_regulatory_plan.agreed_by": ["320000", "310000"]})
    assert done.context["determination"]["outcome"] == "eligible"
    assert done.context["questions"] == []


def test_a_vaccine_awaits_nmpas_consent_in_english_too(login, world):
    client = login(world.holder_qa)
    case = {"product": {"category": "vaccine_combination"}}
    response = client.post(
        URL,
        {"state": json.dumps(case), "edited": "1", "as_of": AS_OF, "ruleset": "pilot2024"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    questions = {q.path: q for q in response.context["questions"]}
    consent = questions["nmpa_consent"]
    assert consent.awaited_from == (
        "An act of National Medical Products Administration (NMPA); it is not a fact the applicant must give."
    )
    assert consent.rules == ("pilot2024.scope.vaccine_segmentation",)
    assert list(questions)[-1] == "nmpa_consent"  # after every missing fact
    assert "nmpa_consent" not in response.context["determination"]["missing_facts"]


# --- one language at a time (issue 10 §8) ---------------------------------------------------------------------


class _English(_Text):
    """The visible text of an English page, but for what is marked as Chinese (a quotation of the law) or as having
    no language (a rule code, a URL)."""

    def handle_starttag(self, tag, attrs):
        lang = dict(attrs).get("lang") or ""
        if tag in ("script", "style", "title") or lang.startswith("zh") or lang == "zxx" or self._skip:
            self._skip += 1 if tag not in ("br", "input", "img", "meta", "link") else 0


def chinese_words(html: str) -> list[str]:
    p = _English()
    p.feed(html)
    return sorted(set(re.findall(r"[\u3400-\u9fff]+", " ".join(p.parts))) - {"简体中文"})  # the language switch


# what the holder types (names) is theirs, in whatever language they typed it
TYPED = {
    w
    for v in [*ANSWERS.values(), *(c for r in ROWS.values() for row in r for c in row.values())]
    for w in str(v).split()
}


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_each_step_of_the_wizard_is_in_one_language(login, world, lang):
    client = login(world.holder_qa)
    client.cookies["django_language"] = lang
    # names: the user's, what they typed, a source's publisher; "reg" is the ruleset code reg2026 in a sentence
    names = set(world.holder_qa.printed_name.split()) | TYPED | {"Mondaq", "reg"}
    response = client.get(URL, {"as_of": AS_OF})
    found = {}
    for n in range(8):
        assert response.status_code == 200
        html = response.content.decode()
        words = chinese_words(html) if lang == "en" else [w for w in english_words(html) if w not in names]
        if words:
            found[n] = words
        questions = response.context["questions"]
        if not questions:
            break
        response = step(client, response.context, answers_for(questions))
    assert found == {}
    assert response.context["determination"]["outcome"] == "eligible"

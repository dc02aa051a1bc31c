"""The narrative's one step: a provincial reviewer of the narrative's province signs it (meaning "authored")."""

from __future__ import annotations

from bioseg.accounts.roles import OrganisationKind, Role
from bioseg.audit.models import SignatureMeaning
from bioseg.common.workflow import Workflow, step
from bioseg.evaluation.models import NarrativeStatus


def _narrative_party(user, narrative, party: str) -> bool:
    if party == "province":
        org = user.organisation
        return (
            org is not None
            and org.kind == OrganisationKind.PROVINCIAL_REGULATOR
            and org.region_code == narrative.region_code
        )
    raise KeyError(party)


NARRATIVE_WORKFLOW = Workflow(
    name="evaluation_narrative",
    subject_en="narrative",
    subject_zh="总结评估叙述",
    is_party=_narrative_party,
    state_labels={NarrativeStatus.DRAFT: ("a draft", "草稿"), NarrativeStatus.SIGNED: ("signed", "已签名")},
    steps=(
        step(
            "sign",
            [NarrativeStatus.DRAFT],
            NarrativeStatus.SIGNED,
            event="signed",
            label=("Sign the province's narrative", "签署本省总结评估叙述"),
            roles=[Role.PROVINCIAL_REVIEWER],
            parties=["province"],
            signature=SignatureMeaning.AUTHORED,
        ),
    ),
)

"""Notices the quality agreement requires: one ``Notification`` per person, in the inbox, and an e-mail.

The recipients are the active quality people (holder QA, qualified person, contract-manufacturer QA) of the
enterprises to notify; ``due_at`` is the moment the notice is sent plus the agreement's time limit, so "notified
within the time limit" is a fact a report can count (the notice was read by ``due_at``). The e-mail goes through
Django's mail backend once the transaction has committed (console or file by default, SMTP in production).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils.translation import gettext_noop

from bioseg.accounts.models import User
from bioseg.accounts.roles import Role
from bioseg.audit.context import audit_context
from bioseg.common import clock
from bioseg.common.errors import NotFound
from bioseg.quality.models import Notification

QUALITY_ROLES = (Role.HOLDER_QA, Role.QUALIFIED_PERSON, Role.CMO_QA)
log = logging.getLogger(__name__)


def quality_people(enterprise_ids: Iterable[int]) -> list[User]:
    """The active users with a quality role in the organisations of ``enterprise_ids``."""
    from bioseg.registry.models import Enterprise

    orgs = Enterprise.objects.filter(id__in=set(enterprise_ids)).values("organisation_id")
    return list(
        User.objects.filter(organisation_id__in=orgs, is_active=True, memberships__role__in=QUALITY_ROLES)
        .distinct()
        .order_by("id")
    )


def regulator_people(region_code: str) -> list[User]:
    """The active reviewers and inspectors of the provincial regulator of ``region_code``."""
    from bioseg.accounts.roles import OrganisationKind

    return list(
        User.objects.filter(
            organisation__kind=OrganisationKind.PROVINCIAL_REGULATOR,
            organisation__region_code=region_code,
            is_active=True,
            memberships__role__in=(Role.PROVINCIAL_REVIEWER, Role.PROVINCIAL_INSPECTOR),
        )
        .distinct()
        .order_by("id")
    )


def notify(
    *,
    enterprise_ids: Iterable[int],
    activity: str,
    subject,
    title: tuple[str, str],
    body: tuple[str, str],
    within_hours: int,
    exclude: User | None = None,
    people: list[User] | None = None,
) -> list[Notification]:
    """Notifies the quality people of ``enterprise_ids`` (or the given ``people``) about ``subject`` (inside the
    act's transaction)."""
    now = clock.now()
    due = now + dt.timedelta(hours=within_hours)
    found = quality_people(enterprise_ids) if people is None else people
    people = [u for u in found if exclude is None or u.pk != exclude.pk]
    rows = Notification.objects.bulk_create(
        [
            Notification(
                recipient=u,
                activity=activity,
                subject_table=subject._meta.db_table,
                subject_id=subject.pk,
                title_en=title[0][:300],
                title_zh=title[1][:300],
                body_en=body[0],
                body_zh=body[1],
                sent_at=now,
                due_at=due,
            )
            for u in people
        ]
    )
    addressed = [(u, n) for u, n in zip(people, rows, strict=True) if u.email]
    if addressed:
        messages = [
            (f"[bioseg] {n.title_zh} / {n.title_en}", f"{n.body_zh}\n\n{n.body_en}", None, [u.email])
            for u, n in addressed
        ]
        ids = [n.pk for _u, n in addressed]
        transaction.on_commit(lambda: _send(messages, ids))
    return rows


def _send(messages, ids) -> None:
    try:
        send_mass_mail(messages, fail_silently=False)
    except Exception:  # the inbox has the notice; a mail server down must not undo the act
        log.exception("notification e-mail failed for %s", ids)
        return
    with audit_context(actor="bioseg", reason=gettext_noop("notification e-mailed")):
        for n in Notification.objects.filter(id__in=ids):
            n.emailed = True
            n.save(update_fields=["emailed", "updated_at"])


def inbox(user: User):
    return Notification.objects.filter(recipient=user)


def unread_count(user: User) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_read(*, user: User, pk) -> Notification:
    """Marks one of ``user``'s notices read (the first time only); another person's is a 404."""
    from bioseg.common.scoping import parse_id

    ident = parse_id(pk)
    n = Notification.objects.filter(recipient=user, pk=ident).first() if ident else None
    if n is None:
        raise NotFound("notification", pk)
    if n.read_at is None:
        with transaction.atomic(), audit_context(actor=user, reason=gettext_noop("notification read")):
            n.read_at = clock.now()
            n.save(update_fields=["read_at", "updated_at"])
    return n


def recall_provinces(lot_ids) -> list[str]:
    """Every province a recall touches: where the lots reached were made, where their shipments went, and the
    holders' provinces."""
    from bioseg.production.models import Lot, ShipmentLine

    lots = Lot.objects.filter(pk__in=list(lot_ids))
    codes = set(lots.values_list("site__region_code", flat=True))
    codes |= set(lots.values_list("product__holder__region_code", flat=True))
    codes |= set(
        ShipmentLine.objects.filter(lot__in=lots).values_list("shipment__to_site__region_code", flat=True).distinct()
    )
    return sorted(c for c in codes if c)


def _recall_notify(sender, recall, lot_ids, actor, **_) -> None:
    """In the recall's transaction: the enterprises whose lots it reaches and the regulators of every province it
    touches are told, within the class's time limit (药品召回管理办法: 1, 3 or 7 days)."""
    from bioseg.production.models import RECALL_CLASS_ZH, RECALL_NOTICE_HOURS, Lot, RecallClass
    from bioseg.quality.models import Activity

    lot = recall.lot
    cls_en = str(RecallClass(recall.recall_class).label).split(":")[0]
    cls_zh = RECALL_CLASS_ZH[recall.recall_class]
    title = (f"{cls_en} recall from lot {lot.lot_number}", f"{cls_zh}：自批 {lot.lot_number} 发起")
    body = (
        f"{recall.reason} — {len(lot_ids)} lot(s) reached; {recall.get_status_display()}.",
        f"{recall.reason}——涉及 {len(lot_ids)} 个批次。",
    )
    hours = RECALL_NOTICE_HOURS[recall.recall_class]
    enterprises = set(Lot.objects.filter(pk__in=list(lot_ids)).values_list("site__enterprise_id", flat=True))
    notify(
        enterprise_ids=enterprises,
        activity=Activity.RECALL_DECISION,
        subject=recall,
        title=title,
        body=body,
        within_hours=hours,
        exclude=actor,
    )
    regulators = [u for code in recall_provinces(lot_ids) for u in regulator_people(code)]
    if regulators:
        notify(
            enterprise_ids=(),
            people=regulators,
            activity=Activity.RECALL_DECISION,
            subject=recall,
            title=title,
            body=body,
            within_hours=hours,
        )

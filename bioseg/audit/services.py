"""E-signatures (21 CFR Part 11; NMPA 药品记录与数据管理要求（试行）2020): re-entered password, printed
name, meaning, UTC time and the SHA-256 of a canonical snapshot of the signed record."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_noop

from bioseg.accounts.services import user_check_password
from bioseg.audit.context import audit_context
from bioseg.audit.models import Signature, SignatureMeaning
from bioseg.common import clock
from bioseg.common.errors import ApplicationError, ValidationFailed

_UNSIGNED_FIELDS = {"created_at", "updated_at"}


# What a signature's audit row says when the signer gives no reason, shown in the reader's language.
SIGNATURE_REASONS = {
    "authored": gettext_noop("e-signature: authored"),
    "reviewed": gettext_noop("e-signature: reviewed"),
    "approved": gettext_noop("e-signature: approved"),
    "released": gettext_noop("e-signature: released"),
    "rejected": gettext_noop("e-signature: rejected"),
    "recalled": gettext_noop("e-signature: recalled"),
}


def record_snapshot(obj) -> str:
    """The canonical text of a record as stored: every concrete column but the bookkeeping timestamps,
    keys sorted, compact separators, non-ASCII kept."""
    fresh = type(obj)._base_manager.get(pk=obj.pk)
    data = {f.column: f.value_to_string(fresh) for f in fresh._meta.concrete_fields if f.name not in _UNSIGNED_FIELDS}
    data["_table"] = fresh._meta.db_table
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def snapshot_sha256(snapshot: str) -> str:
    return hashlib.sha256(snapshot.encode("utf-8")).hexdigest()


class SignatureRefused(ApplicationError):
    status = 403


def signer_check(*, user, password: str):
    """The re-entered password of an e-signature: the signer, or ``SignatureRefused`` (403) naming the cause.
    Call it outside any transaction, so that a failure counts toward the lockout."""
    if not (password or "").strip():
        raise ValidationFailed({"password": ("Re-enter your password to sign.", "签名须重新输入密码。")})
    try:
        return user_check_password(username=user.get_username(), password=password)
    except ApplicationError as exc:
        raise SignatureRefused(
            "signature_refused",
            "The signature was refused: " + exc.message,
            "签名被拒绝：" + exc.message_zh,
            details={"cause": exc.code},
        ) from exc


def signature_sign(*, user, password: str, obj, meaning: str, reason: str = "") -> Signature:
    """Signs ``obj`` for ``user`` after re-checking the password. The check runs before (outside) the
    signing transaction, so a failure counts toward the lockout even though nothing else is written."""
    if meaning not in SignatureMeaning.values:
        raise ValidationFailed(
            {"meaning": (f"Unknown signature meaning {meaning!r}.", f"未知的签名含义 {meaning!r}。")}
        )
    if obj.pk is None:
        raise ValidationFailed({"record": ("Only a saved record can be signed.", "只能对已保存的记录签名。")})
    signer = signer_check(user=user, password=password)
    printed = signer.printed_name or signer.get_full_name() or signer.get_username()
    with transaction.atomic(), audit_context(actor=signer, reason=reason or SIGNATURE_REASONS[meaning]):
        snapshot = record_snapshot(obj)
        return Signature.objects.create(
            signer=signer,
            printed_name=printed,
            meaning=meaning,
            signed_at=clock.now(),
            table_name=obj._meta.db_table,
            object_pk=str(obj.pk),
            record_sha256=snapshot_sha256(snapshot),
            snapshot=snapshot,
            reason=reason,
        )


@dataclass(frozen=True)
class SignatureStatus:
    signature: Signature
    intact: bool
    current_sha256: str


def signature_status(signature: Signature, obj) -> SignatureStatus:
    """A signature is intact while the record still hashes to what was signed; any later change breaks it."""
    current = snapshot_sha256(record_snapshot(obj))
    return SignatureStatus(signature, current == signature.record_sha256, current)

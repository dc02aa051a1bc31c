"""The one error type of bioseg: a code, a message in English and Chinese, and details."""

from __future__ import annotations

from typing import Any

from bioseg.errors import ApplicationError

__all__ = ["ApplicationError", "NotFound", "PermissionDenied", "Problem", "Refused", "ValidationFailed"]


# The Chinese names of the objects a NotFound names and of the actions a PermissionDenied refuses. The
# callers pass the English words (they are also the ``details`` a client may match on); the Chinese message
# takes its words from here, or from an explicit ``what_zh`` / ``action_zh``. A name missing from both gives
# a Chinese message without the name rather than an English word inside Chinese text.
OBJECT_NAMES_ZH: dict[str, str] = {
    "API token": "API 令牌",
    "certificate of analysis": "检验报告书",
    "consignee": "收货单位",
    "determination": "评估结论",
    "enterprise": "企业",
    "evidence": "证明材料",
    "evidence file": "证明材料文件",
    "excursion": "温度偏离",
    "GMP record": "GMP 符合性检查记录",
    "inspection": "检查",
    "inspection page": "检查页面",
    "sample": "样品",
    "joint regulatory plan": "联合监管方案",
    "licence": "生产许可证",
    "lot": "批次",
    "page": "页面",
    "person": "人员",
    "pilot application": "试点申请",
    "process chain": "工艺链",
    "product": "产品",
    "qualification": "资质",
    "quality agreement": "质量协议",
    "report format": "报告格式",
    "segment": "生产阶段",
    "shipment": "发运",
    "site": "生产场地",
    "transformation": "加工记录",
}

ACTION_NAMES_ZH: dict[str, str] = {
    "approve a joint regulatory plan": "批准联合监管方案",
    "assess a pilot application": "评估试点申请",
    "assess an excursion": "评估温度偏离",
    "assign a GLN": "分配 GLN",
    "assign a GTIN": "分配 GTIN",
    "attach evidence to a pilot application": "为试点申请添加证明材料",
    "capture EPCIS events": "采集 EPCIS 事件",
    "change a process chain": "修改工艺链",
    "change a product": "修改产品",
    "change a site": "修改生产场地",
    "decide a pilot application": "对试点申请作出决定",
    "determine a rule of a pilot application": "认定试点申请的规则",
    "declare facts of a pilot application": "声明试点申请的事实",
    "define a process chain": "定义工艺链",
    "draft a pilot application": "起草试点申请",
    "recall a lot": "召回批次",
    "record a certificate of analysis": "登记检验报告书",
    "record a GMP compliance inspection": "登记 GMP 符合性检查",
    "plan an inspection": "计划检查",
    "record a qualification": "登记资质",
    "record a quality agreement": "登记质量协议",
    "record a receipt": "登记接收",
    "record a shipment": "登记发运",
    "record a transformation": "登记加工",
    "register a consignee": "登记收货单位",
    "register a manufacturing licence": "登记生产许可证",
    "register a person": "登记人员",
    "register a product": "登记产品",
    "register a site": "登记生产场地",
    "register an enterprise": "登记企业",
    "reject a lot": "拒收批次",
    "release this lot": "放行该批",
    "return a pilot application": "退回试点申请",
    "review a pilot application": "审查试点申请",
    "submit a pilot application": "提交试点申请",
    "upload a temperature log": "上传温度记录",
    "verify the audit trail": "验证审计追踪",
}


class NotFound(ApplicationError):
    """The object does not exist *or* is outside the user's scope (never say which)."""

    status = 404

    def __init__(self, what: str, ident: Any, what_zh: str | None = None) -> None:
        zh = what_zh or OBJECT_NAMES_ZH.get(what, "")
        super().__init__(
            "not_found",
            f"{what} {ident} was not found.",
            f"未找到{zh} {ident}。" if zh else f"未找到编号为 {ident} 的对象。",
            details={"object": what, "id": str(ident)},
        )


class PermissionDenied(ApplicationError):
    status = 403

    def __init__(self, action: str, action_zh: str | None = None) -> None:
        zh = action_zh or ACTION_NAMES_ZH.get(action, "")
        super().__init__(
            "permission_denied",
            f"Your role does not allow you to {action}.",
            f"您的角色无权{zh}。" if zh else "您的角色无权执行此操作。",
            details={"action": action},
        )


class ValidationFailed(ApplicationError):
    """Field-level validation errors: ``details['fields']`` maps field → {message, message_zh}."""

    def __init__(self, fields: dict[str, tuple[str, str]]) -> None:
        names = ", ".join(sorted(fields))
        super().__init__(
            "validation_error",
            f"Invalid input: {names}.",
            f"输入无效：{names}。",
            details={"fields": {k: {"message": en, "message_zh": zh} for k, (en, zh) in fields.items()}},
        )


# --- one refusal convention: every cause listed ----------------------------------------------------------------


class Problem(dict):
    """One reason for a refusal: ``{code, message, message_zh, **extra}``."""

    def __init__(self, code: str, message: str, message_zh: str, **extra: Any) -> None:
        super().__init__(code=code, message=message, message_zh=message_zh, **extra)


class Refused(ApplicationError):
    """A refusal with one or more problems, all listed in ``details[key]`` (``problems``; a release lists its
    ``blockers``): each ``{code, message, message_zh, ...}``, so a client or a form shows every cause at once."""

    def __init__(
        self, code: str, what_en: str, what_zh: str, problems: list, *, key: str = "problems", status: int = 400
    ) -> None:
        super().__init__(
            code,
            f"{what_en}: " + " ".join(p["message"] for p in problems),
            f"{what_zh}：" + "".join(p["message_zh"] for p in problems),
            details={key: list(problems)},
            status=status,
        )

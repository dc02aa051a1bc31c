"""Refusals name the object or the action in the message's own language: never an English word inside the
Chinese message (the English words stay in ``details`` for clients that match on them)."""

from __future__ import annotations

from bioseg.common.errors import ACTION_NAMES_ZH, NotFound, PermissionDenied


def test_not_found_names_the_object_in_each_language():
    error = NotFound("site", 7)
    assert (error.status, error.code) == (404, "not_found")
    assert error.message == "site 7 was not found."
    assert error.message_zh == "未找到生产场地 7。"
    assert error.details == {"object": "site", "id": "7"}
    assert NotFound("widget", 3, "小部件").message_zh == "未找到小部件 3。"


def test_an_object_without_a_chinese_name_is_not_named_in_chinese():
    assert NotFound("widget", 3).message_zh == "未找到编号为 3 的对象。"


def test_permission_denied_names_the_action_in_each_language():
    error = PermissionDenied("release this lot")
    assert error.status == 403
    assert error.message == "Your role does not allow you to release this lot."
    assert error.message_zh == "您的角色无权放行该批。"
    assert error.details == {"action": "release this lot"}
    assert PermissionDenied("sign a memo", "签署备忘录").message_zh == "您的角色无权签署备忘录。"
    assert PermissionDenied("do something new").message_zh == "您的角色无权执行此操作。"


def test_every_action_the_services_refuse_has_a_chinese_name():
    import re
    from pathlib import Path

    import bioseg

    root = Path(bioseg.__file__).parent
    used = set()
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'PermissionDenied\("([^"]+)"\)', text))
        used |= set(re.findall(r'_require\w*\([^()]*?"([a-z][^"]+ [^"]+)"\)', text))
    missing = sorted(a for a in used if a not in ACTION_NAMES_ZH and not a.startswith(("{",)))
    assert missing == []

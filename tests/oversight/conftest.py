"""Supervision tests run in the production tests' small world (``tests.production.conftest``) with, in each of
Jiangsu and Shanghai, three inspectors with profiles: ``js[0]`` (the world's ``js_inspector``, may lead, official,
lives in 南京市), ``js[1]`` (official, 苏州市), ``js[2]`` (may lead, 南京市); ``sh[0]`` (the world's
``sh_inspector``, may lead, 上海市), ``sh[1]``, ``sh[2]`` (上海市)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bioseg.accounts.roles import Role
from bioseg.audit.context import audit_context
from bioseg.oversight.models import InspectorProfile
from tests.production.conftest import fast_password_hashing, genealogy, market, world  # noqa: F401


@pytest.fixture
def sup(world, make_user):  # noqa: F811
    js_org, sh_org = world.js_inspector.organisation, world.sh_inspector.organisation
    js = [world.js_inspector, make_user(Role.PROVINCIAL_INSPECTOR, js_org, username="js-inspector-2")]
    js.append(make_user(Role.PROVINCIAL_INSPECTOR, js_org, username="js-inspector-3"))
    sh = [world.sh_inspector, make_user(Role.PROVINCIAL_INSPECTOR, sh_org, username="sh-inspector-2")]
    sh.append(make_user(Role.PROVINCIAL_INSPECTOR, sh_org, username="sh-inspector-3"))
    specs = [
        (js[0], "320000", "南京市", "biologics,lead,official"),
        (js[1], "320000", "苏州市", "biologics,official"),
        (js[2], "320000", "南京市", "biologics,aseptic,lead"),
        (sh[0], "310000", "上海市", "biologics,aseptic,lead,official"),
        (sh[1], "310000", "上海市", "biologics,official"),
        (sh[2], "310000", "上海市", "aseptic"),
    ]
    with audit_context(actor="test-setup"):
        for user, region, city, quals in specs:
            InspectorProfile.objects.create(user=user, region_code=region, city=city, qualifications=quals)
    return SimpleNamespace(js=js, sh=sh, world=world)

from __future__ import annotations

import copy

import pytest
import yaml

from bioseg.regulation.api import CaseLoader
from bioseg.regulation.testcases import BASELINES_FILE


@pytest.fixture(scope="session")
def baselines() -> dict:
    return yaml.load(BASELINES_FILE.read_text(encoding="utf-8"), Loader=CaseLoader)


@pytest.fixture
def antibody(baselines) -> dict:
    return copy.deepcopy(baselines["eligible_antibody"])


@pytest.fixture
def reg2026_case(baselines) -> dict:
    return copy.deepcopy(baselines["eligible_reg2026"])

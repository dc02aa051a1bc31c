import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bioseg.common import clock


def test_pinned_sets_business_time_and_restores_it():
    real = clock.now()
    at = dt.datetime(2025, 6, 30, 23, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    with clock.pinned(at):
        assert clock.now() == at
        assert clock.today() == dt.date(2025, 6, 30)  # the local date, not the UTC one (15:30 UTC)
    assert clock.now() >= real


def test_pinned_refuses_a_naive_time():
    with pytest.raises(ValueError, match="timezone-aware"), clock.pinned(dt.datetime(2025, 1, 1)):
        pass

"""The property-based fuzz suite (Hypothesis) runs as its own CI step, not with `pytest -q`.

    pytest -q -m fuzz tests/fuzz -p no:cacheprovider                 # CI profile: a few hundred examples
    HYPOTHESIS_PROFILE=long pytest -q -m fuzz tests/fuzz              # ~10x the examples, for local runs

Without ``-m fuzz`` the tests here are skipped, saying how to run them.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# "ci": small enough for CI (under 3 minutes on a shared machine), derandomized so every CI run
# tries the same examples (a red CI run is reproducible, a green one does not turn red by luck),
# no example database written into the checkout. "long": ten times the examples, random, and the
# default database (.hypothesis/), so a failure found locally is replayed first next time.
_SLOW_IS_NORMAL = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                   HealthCheck.function_scoped_fixture]
settings.register_profile("ci", deadline=None, database=None, derandomize=True, print_blob=True, suppress_health_check=_SLOW_IS_NORMAL)
settings.register_profile("long", deadline=None, print_blob=True, suppress_health_check=_SLOW_IS_NORMAL)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fuzz: property-based fuzz suite (run with -m fuzz; its own CI step)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "fuzz" in (config.option.markexpr or ""):
        return
    skip = pytest.mark.skip(reason="fuzz suite: its own CI step (pytest -q -m fuzz tests/fuzz)")
    for item in items:
        if item.get_closest_marker("fuzz"):
            item.add_marker(skip)

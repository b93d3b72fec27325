"""Fixtures of the hard-limit tests (``test_hard_limit``, ``test_time_limit``)."""

from __future__ import annotations

import pytest
from bounded_support import children


@pytest.fixture
def no_child_left():
    """A check that no child started since the test began is left (a process pool an earlier test
    started in this session, such as loky's workers, is not the test's)."""
    before = children()
    return lambda: children() <= before


@pytest.fixture
def build_module():
    """The Theorem 4 generator's build module, for a test to patch (the forked child inherits it)."""
    from infgrad.proofs_check.theorem4.generate import build

    return build


@pytest.fixture
def stuck_build(monkeypatch, build_module):
    """A build stuck in one C call (no signal is looked at), inherited by the forked child."""
    monkeypatch.setattr(build_module, "build", lambda *a, **k: sum(range(10**15)))

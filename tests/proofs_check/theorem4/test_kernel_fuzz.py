"""Any JSON value (nested lists and objects of the format's own keys, huge and tiny rationals, ints past the
ranges, floats, booleans, names) put at any path of genuine certificates: the kernel returns an outcome or raises
CertificateError (the CLI's one line, exit 2), never another exception (a traceback)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infgrad.proofs_check.theorem4 import kernel

from theorem4_tamper import genuine_text, get, nodes

GENUINE = (("u", "u", 3, 2, 1, "lipschitz"), ("-atan(u)", "u", 5, 4, 2, "lipschitz"),
           ("atan(3*u)", "u", 6, 4, 2, "fixed-scale"), ("1", "-u", 6, 4, 2, "fixed-scale"),
           ("-atan(u)", "u", 6, 4, 2, "fixed-scale"), ("u", "u", 6, 5, 4, "lipschitz"))
KEYS = ["shape", "entries", "box", "A", "c", "pieces", "decoder", "Z", "Xhat", "k", "spacing", "from", "cells", "M",
        "tail", "above", "affine", "alpha", "beta", "row", "h", "g", "d", "kappa", "r", "n"]
HUGE = ["1" + "0" * 400, "1/" + "7" * 4000, "-" + "9" * 4000, "1/" + "1" + "0" * 3999, "0/5", "-0", "X", "D_sparse",
        "D_dense", "D_snake", "value", "slope", "strict", "u", "log(u)", "1/u", "Piecewise((u, u < 1), (1, True))"]
VALUES = st.sampled_from(HUGE) | st.recursive(
    st.none() | st.booleans() | st.integers(-10**70, 10**70) | st.floats() | st.text(max_size=6) | st.sampled_from(HUGE),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=4),
    max_leaves=8)


def check_value(which: int, pick: int, value) -> None:
    cert = json.loads(genuine_text(GENUINE[which]))
    below_root = nodes(cert)[1:]
    where = below_root[pick % len(below_root)]
    get(cert, where[:-1])[where[-1]] = value
    try:
        kernel.check(cert)
    except kernel.CertificateError:
        pass


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(which=st.integers(0, len(GENUINE) - 1), pick=st.integers(0, 10**6), value=VALUES)
def test_any_value_anywhere_is_an_outcome_or_one_line(which, pick, value):
    check_value(which, pick, value)


@pytest.mark.slow
@settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(which=st.integers(0, len(GENUINE) - 1), pick=st.integers(0, 10**6), value=VALUES)
def test_any_value_anywhere_many_times(which, pick, value):
    # with the kernel before 16fb7f6 this fails (18 s): a 4000-digit denominator in a code, OverflowError in decode
    check_value(which, pick, value)

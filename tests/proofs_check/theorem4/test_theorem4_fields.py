"""Every field of a certificate is checked: a property test edits each leaf of valid certificates
(both families, every verdict) so that it becomes false, deletes each key and adds one, and the
checker must reject every edit (or, for the one kind of edit that leaves a true certificate, show it
true again). Fields the checker did not read are gone from the schema (schema.py)."""

from __future__ import annotations

import copy
import json

import numpy as np
from hypothesis import given, note
from hypothesis import strategies as st

from infgrad.proofs_check.theorem4 import kernel as checker
from infgrad.proofs_check.theorem4.generate.build import build
from theorem4_tamper import get, leaves, tamper

def _json(cert):
    return json.loads(json.dumps(cert))  # as read back from a file (tuples become lists)


CERTS = {
    "fixed-scale strict": _json(build("atan(3*u)", "u", d=4, kappa=3, r=1, n=8, family="fixed-scale")[0]),
    "fixed-scale case A": _json(build("-atan(u)", "u", d=4, kappa=3, r=1, n=8, family="fixed-scale")[0]),
    "fixed-scale tie": _json(build("1", "u", d=4, kappa=3, r=1, n=8, family="fixed-scale")[0]),
    "fixed-scale g dips": _json(build("1", "-atan(u)", d=4, kappa=3, r=1, n=8, family="fixed-scale")[0]),
    "fixed-scale no-minimiser": _json(build("1", "-u", d=4, kappa=3, r=1, n=8, family="fixed-scale")[0]),
    "lipschitz strict": _json(build("u", "u", d=3, kappa=2, r=1, family="lipschitz")[0]),
    "lipschitz r=2": _json(build("u", "u", d=4, kappa=3, r=2, family="lipschitz")[0]),
    "lipschitz case A": _json(build("-atan(u)", "u", d=3, kappa=2, r=1, family="lipschitz")[0]),
}
PATHS = [(name, path) for name, cert in CERTS.items() for path in leaves(cert)]


def _rejected(cert) -> bool:
    try:
        return not checker.check(cert).ok
    except checker.CertificateError:
        return True


def _still_true_competitor_row(cert, bad, path) -> bool:
    """The one edit that keeps a certificate true: in case A (h decreasing) the competitor's extra row
    on an ignored axis may take any nonzero values; check it independently in floats."""
    if path[:3] != ("competitor", "Z", "entries") or cert["penalties"]["h"] != "-atan(u)":
        return False
    r, n = cert["dims"]["r"], cert["dims"]["n"]
    i, j, v = get(bad, path[:-1])
    col = np.zeros(n)
    for ii, jj, vv in bad["competitor"]["Z"]["entries"]:
        if jj == j:
            num, _, den = vv.partition("/")
            col[ii] = int(num) / int(den or 1)
    return j >= r and float((col ** 2).mean()) > 0  # -atan(m) < -atan(0) for every m > 0


def test_every_certificate_used_here_is_valid_and_has_only_schema_keys():
    for name, cert in CERTS.items():
        assert checker.check(cert).ok, name
        assert set(cert) <= checker.read.KEYS | checker.read.OPTIONAL


@given(choice=st.sampled_from(PATHS))
def test_editing_any_one_field_so_that_it_is_false_makes_the_checker_reject(choice):
    name, path = choice
    cert = CERTS[name]
    bad = tamper(cert, path)
    note(f"{name}: {path}: {get(cert, path)!r} -> {get(bad, path) if path[0] != 'sequence' else bad['sequence']!r}")
    assert bad != cert
    assert _rejected(bad) or _still_true_competitor_row(cert, bad, path)


def test_editing_every_field_of_one_certificate_in_turn_is_rejected():
    cert = CERTS["lipschitz strict"]
    missed = [p for p in leaves(cert, per_list=2) if not _rejected(tamper(cert, p))]
    assert missed == []


@given(name=st.sampled_from(sorted(CERTS)), data=st.data())
def test_deleting_any_key_or_adding_an_unknown_one_is_rejected(name, data):
    cert = CERTS[name]
    parents = [p[:k] for p in leaves(cert) for k in range(len(p)) if isinstance(get(cert, p[:k]), dict)]
    parent = data.draw(st.sampled_from(sorted(set(parents), key=str)), label="parent")
    keys = sorted(get(cert, parent))
    key = data.draw(st.sampled_from(keys), label="key")
    deleted = copy.deepcopy(cert)
    del get(deleted, parent)[key]
    added = copy.deepcopy(cert)
    get(added, parent)["note"] = "unchecked text"
    assert _rejected(deleted) and _rejected(added)

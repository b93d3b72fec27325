"""Huge rationals in well-formed places (up to the reader's 4000 digits) are a rejection, exit 1, or one line with
exit 2: never a traceback. float() overflows past 1e308, str() of an int past 4300 digits, and an open slab end
(inf) times a 4000-digit denominator overflowed in the decoder."""

from __future__ import annotations

import json

import pytest

from infgrad.proofs_check.cli import main

from theorem4_tamper import SMALL, genuine_text

HUGE = ["1" + "0" * 400, "1/" + "7" * 4000, "-" + "9" * 4000, "7" * 4000 + "/" + "3" * 3999]
FIELDS = [("bound", "M"), ("bound", "tail"), ("bound", "above", 0, "from"), ("bound", "above", 0, "cells", 0, 1),
          ("witness", "Z", "entries", 1, 2), ("X", "entries", 0, 2), ("decoders", "D_snake", "pieces", 1, "box", 0, 1),
          ("lattice", "spacing"), ("decoders", "D_snake", "pieces", 1, "A", "entries", 0, 2)]


@pytest.mark.parametrize("value", HUGE, ids=["1e400", "1/7..7", "-9..9", "7..7/3..3"])
@pytest.mark.parametrize("field", FIELDS, ids=lambda f: ".".join(map(str, f)))
def test_a_huge_rational_anywhere_is_a_rejection_never_a_traceback(tmp_path, capsys, field, value):
    # before: OverflowError tracebacks (bound.M, the start of the cells, a 4000-digit code's denominator), exit 1
    cert = json.loads(genuine_text(SMALL))
    parent = cert
    for k in field[:-1]:
        parent = parent[k]
    if isinstance(parent, dict) and field[-1] not in parent:
        pytest.skip(f"no {field} in this certificate")
    parent[field[-1]] = value
    path = tmp_path / "cert.json"
    path.write_text(json.dumps(cert))
    code = main(["certificate", "check", "--quiet", str(path)])
    err = capsys.readouterr().err
    assert "Traceback" not in err and (code, err) == (1, "") or (code == 2 and err.count("\n") == 1), (code, err)

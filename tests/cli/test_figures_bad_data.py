"""``infgrad figures`` on malformed or wrongly shaped saved data: exit 2 with one line (fig2 once
read its files with json.loads and crashed: exit 1, no error line)."""

from __future__ import annotations

import json

import pytest

from infgrad.proofs_check.cli import main

CERT, NOTES = "t9_certificate.json", "t9_notes.json"


@pytest.mark.parametrize("cert,notes", [
    (b"{not json", b"{}"),
    (b"\xff\xfe", b"{}"),
    (b"[1, 2]", b"{}"),
    (b"{}", b"{}"),
    (json.dumps({"dims": 5, "family": "x"}).encode(), b"{}"),
    (json.dumps({"dims": {"d": 6}, "family": "lipschitz", "X": "nope"}).encode(), b"{}"),
    (b"[" * 100 + b"]" * 100, b"{}"),
])
def test_bad_saved_certificate_data_exits_2_in_one_line(tmp_path, capsys, cert, notes):
    data = tmp_path / "data"
    data.mkdir()
    (data / CERT).write_bytes(cert)
    (data / NOTES).write_bytes(notes)
    assert main(["figures", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("infgrad: error: ") and "fig2_theorem4" in err[0], err

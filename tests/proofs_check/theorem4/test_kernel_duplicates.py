"""Regression for the duplicate-entry forgery: a decoder piece, a vector or a matrix that lists
the same index twice is rejected (before the kernel, the operator-norm check kept the last copy
and the evaluator summed the copies, so a 10^13-Lipschitz decoder passed as 1-Lipschitz)."""

from __future__ import annotations

import json

from infgrad.proofs_check.cli import main


def _genuine(tmp_path):
    path = tmp_path / "cert.json"
    code = main(["counterexample", "--h", "u", "--d", "3", "--kappa", "2", "--r", "1",
                 "--family", "lipschitz", "--json", str(path)])
    assert code == 0
    return json.loads(path.read_text())


def _check(tmp_path, cert) -> int:
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(cert))
    return main(["certificate", "check", str(path)])


def test_a_decoder_entry_listed_twice_is_rejected_even_when_the_copies_sum_to_the_original(tmp_path, capsys):
    cert = _genuine(tmp_path)
    piece = cert["decoders"]["D_snake"]["pieces"][1]
    i, j, v = piece["A"]["entries"][0]
    # a zero copy first: the norm check (last copy) and the evaluator (sum) both see the original
    piece["A"]["entries"].insert(0, [i, j, "0"])
    assert _check(tmp_path, cert) != 0
    assert "twice" in capsys.readouterr().err


def test_the_forgery_of_the_issue_a_huge_copy_cancelled_in_the_sum_is_rejected(tmp_path, capsys):
    cert = _genuine(tmp_path)
    piece = cert["decoders"]["D_snake"]["pieces"][1]
    i, j, v = piece["A"]["entries"][0]
    piece["A"]["entries"][0] = [i, j, str(10**13)]
    piece["A"]["entries"].append([i, j, v])   # the last copy is the honest one
    piece["A"]["entries"].insert(1, [i, j, str(-10**13)])
    assert _check(tmp_path, cert) != 0


def test_a_monotonicity_start_listed_twice_is_rejected(tmp_path, capsys):
    # before: the kernel kept the last copy of bound.above for a start, so a garbage first copy passed unseen
    cert = _genuine(tmp_path)
    first = cert["bound"]["above"][0]
    cert["bound"]["above"].insert(0, {"from": first["from"], "cells": [["0", "1", "value"]]})
    assert _check(tmp_path, cert) != 0
    assert "cells are given once from each start" in capsys.readouterr().out


def test_a_decoder_of_several_pieces_without_boxes_is_rejected_not_a_traceback(tmp_path, capsys):
    # before: the continuity check ended in a StopIteration traceback (it read the first piece's box axis)
    cert = _genuine(tmp_path)
    for piece in cert["decoders"]["D_snake"]["pieces"]:
        piece["box"] = []
    assert _check(tmp_path, cert) == 1
    assert "FAIL D_snake: continuous across every box face" in capsys.readouterr().out


def test_an_empty_decoder_box_lo_above_hi_is_refused_by_the_reader(tmp_path, capsys):
    # before: read accepted a box with lo > hi; sorted slabs could then overlap with continuity checked
    # only at the faces (unexploited, but unchecked)
    cert = _genuine(tmp_path)
    axis, lo, hi = cert["decoders"]["D_snake"]["pieces"][1]["box"][0]
    cert["decoders"]["D_snake"]["pieces"][1]["box"][0] = [axis, hi, lo]
    assert _check(tmp_path, cert) == 2
    assert "empty" in capsys.readouterr().err

"""The kernel's reader against JSON that two readers could read two ways: duplicate keys at any depth, NaN and
Infinity, a byte-order mark or UTF-16, numbers of another type where an integer is meant, numbers spelled in
other ways, huge integers, trailing garbage, deep nesting. Each is refused in one line with exit 2."""

from __future__ import annotations

import copy
import json
import os
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infgrad.proofs_check.cli import main
from infgrad.proofs_check.theorem4 import kernel

from theorem4_tamper import SMALL, genuine_text


def genuine() -> dict:
    return json.loads(genuine_text(SMALL))


def check_bytes(tmp_path, data: bytes, capsys) -> tuple[int, str]:
    path = tmp_path / "cert.json"
    path.write_bytes(data)
    code = main(["certificate", "check", "--quiet", str(path)])
    return code, capsys.readouterr().err


def refused(tmp_path, data: bytes, capsys) -> str:
    code, err = check_bytes(tmp_path, data, capsys)
    assert code == 2 and err.startswith("infgrad: error: ") and err.count("\n") == 1, (code, err)
    return err


def test_the_genuine_certificate_is_verified(tmp_path, capsys):
    assert check_bytes(tmp_path, genuine_text(SMALL).encode(), capsys)[0] == 0


@pytest.mark.parametrize("edit", [
    lambda s: s[:-1] + ', "verdict": "strict"}',                       # the same key twice, the same value
    lambda s: s.replace('"dims": {', '"dims": {"d": 99, ', 1),          # a nested key twice: first 99, last 3
    lambda s: s.replace('"penalties": {', '"penalties": {"h": "-u", ', 1),
])
def test_a_key_listed_twice_at_any_depth_is_refused(tmp_path, capsys, edit):
    # before: verified, exit 0 (Python keeps the last copy; a reader that keeps the first reads d = 99)
    text = edit(genuine_text(SMALL))
    assert text != genuine_text(SMALL)
    assert "twice" in refused(tmp_path, text.encode(), capsys)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json_and_are_refused_where_they_stand(tmp_path, capsys, constant):
    # before: read as floats and refused later, or not at all where the value is only compared
    text = genuine_text(SMALL).replace('"sequence": null', f'"sequence": {constant}')
    assert "not JSON" in refused(tmp_path, text.encode(), capsys)


@pytest.mark.parametrize("encode", [lambda s: b"\xef\xbb\xbf" + s.encode(), lambda s: s.encode("utf-16"),
                                    lambda s: s.encode("utf-32")])
def test_only_utf_8_without_a_byte_order_mark_is_read(tmp_path, capsys, encode):
    # before: Python's json guessed the encoding and verified all three, exit 0
    refused(tmp_path, encode(genuine_text(SMALL)), capsys)


@pytest.mark.parametrize("where", ["X", "c"])
def test_a_shape_holds_integers_only(tmp_path, capsys, where):
    # before: [4.0, 3] compared equal to [4, 3] and was verified, exit 0
    cert = genuine()
    obj = cert["X"] if where == "X" else cert["decoders"]["D_snake"]["pieces"][0]["c"]
    obj["shape"][0] = float(obj["shape"][0])
    refused(tmp_path, json.dumps(cert).encode(), capsys)


@pytest.mark.parametrize("field", ["enclosure", "verdict", "family"])
def test_a_name_is_a_string_not_a_list_holding_it(tmp_path, capsys, field):
    # before: the enclosure was read through str(), so ["python-flint ..."] was a rejection (exit 1), not malformed
    cert = genuine()
    cert[field] = [cert[field]]
    refused(tmp_path, json.dumps(cert).encode(), capsys)


@pytest.mark.parametrize("tables", [{"x": [["0", "0", "0"]]}, [], 0, ""])
def test_tables_are_absent_or_an_object_of_h_and_g(tmp_path, capsys, tables):
    # before: verified, exit 0: a table under another name, or a list, zero or "" in place of the object
    cert = genuine()
    cert["tables"] = tables
    refused(tmp_path, json.dumps(cert).encode(), capsys)


@pytest.mark.parametrize("data", [
    lambda s: (s + " x").encode(), lambda s: ("[" * 100000 + "]" * 100000).encode(),
    lambda s: s.replace('"d": 3', '"d": ' + "9" * 100000, 1).encode(), lambda s: ("[" + s + "]").encode(),
])
def test_garbage_deep_nesting_huge_integers_and_a_list_are_refused(tmp_path, capsys, data):
    refused(tmp_path, data(genuine_text(SMALL)), capsys)


SPELLINGS = [" 1/3", "1/3 ", "0x10", "1_000", "\u0661", "\uff11", "+1", "1/-3", "1.0", "1e3", "1/0", "1\n", "",
             "٣/4", "1//3", "--1", "0b1", "inf", "nan", "1/3/5", "¹", "1 /3"]


@settings(max_examples=60, deadline=None)
@given(spelling=st.sampled_from(SPELLINGS) | st.text(max_size=8).filter(lambda t: not t.lstrip("-").isascii()),
       where=st.integers(0, 10**6))
def test_a_number_in_any_other_spelling_is_refused(spelling, where):
    cert = genuine()
    entries = cert["decoders"]["D_snake"]["pieces"][where % 3]["A"]["entries"] + cert["X"]["entries"]
    entries[where % len(entries)][-1] = spelling
    with pytest.raises(kernel.CertificateError):
        kernel.check(copy.deepcopy(cert))


def test_a_long_integer_is_refused_by_its_length_even_without_the_interpreters_digit_limit(tmp_path):
    # before: with the limit off (PYTHONINTMAXSTRDIGITS=0) json converted a 10^6-digit integer (4 s; 10^7 digits,
    # a 10 MB file, about 400 s) before the range check refused it
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        path = tmp_path / "cert.json"
        path.write_text(genuine_text(SMALL).replace('"d": 3', '"d": ' + "9" * 10**6, 1))
        with pytest.raises(kernel.CertificateError, match="digits"):
            kernel.load(path)
    finally:
        sys.set_int_max_str_digits(old)


@pytest.mark.skipif(not os.path.isfile("/proc/self/status"), reason="needs Linux /proc")
def test_the_byte_limit_holds_when_a_file_reports_a_size_below_its_content():
    # before: /proc files report size 0; the stat check passed and the whole content was read, past the limit
    with pytest.raises(kernel.CertificateError, match="above the limit of 16 bytes"):
        kernel.load("/proc/self/status", max_bytes=16)

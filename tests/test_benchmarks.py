"""The benchmark harness's tables: every measured number reaches the Markdown, nothing is invented."""

from benchmarks.run import markdown, table


def test_table_has_a_header_a_rule_and_one_row_per_result():
    text = table([{"a": 1.23456, "b": None}, {"a": 123456.0, "b": "x"}], ["a", "b"])
    assert text.splitlines() == ["| a | b |", "|---|---|", "| 1.23 | – |", "| 123,456 | x |"]


def test_markdown_reports_each_benchmark_that_ran_and_only_those():
    results = {
        "meta": {"date": "2026-01-01", "machine": "x86_64, 2 cpus", "device": "cpu", "torch": "2.x", "threads": 2},
        "verify": {"command": "infgrad verify", "seconds": 8.25, "exit_code": 0},
        "certificate": {"h": "u", "rows": [{"d": 10, "kappa": 2, "r": 1, "n": 100, "generate_s": 0.1,
                                             "check_s": 0.2, "total_s": 0.3, "verified": True}],
                        "exponent_in_n_times_r": 0.9, "exponent_in_n": 0.8, "exponent_in_r": 0.7},
    }
    text = markdown(results)
    assert "| infgrad verify | 8.25 | 0 |" in text
    assert "growth exponent in n·r: 0.90 (in n: 0.80, in r: 0.70)" in text
    assert "**trainer**" not in text and "**report**" not in text

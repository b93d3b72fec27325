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


def test_the_trainer_benchmark_writes_the_limit_rows_and_infgrads_ratio_to_them(tmp_path):
    import json

    from benchmarks.run import main

    out = tmp_path / "b.json"
    md = tmp_path / "b.md"
    assert main(["--only", "trainer", "--device", "cpu", "--repeats", "1", "--pack", "2", "--scale", "0.01",
                 "--models", "small",
                 "--json", str(out), "--markdown", str(md)]) == 0
    rows = json.loads(out.read_text())["trainer"]
    by = {(r["model"], r["runner"]): r for r in rows}
    small = "small 20-128-128"
    assert {r["runner"] for r in rows if r["model"] == small} >= {
        "bare loop", "graph-captured step (limit)", "infgrad train", "bare pack (limit)", "infgrad train_pack"}
    pack, limit = by[(small, "infgrad train_pack")], by[(small, "bare pack (limit)")]
    assert pack["runs"] == limit["runs"] == 2 and limit["samples_per_s"] > 0
    assert pack["vs"] == "bare pack (limit)"
    assert abs(pack["ratio"] - pack["samples_per_s"] / limit["samples_per_s"]) < 1e-9
    graph = by[(small, "graph-captured step (limit)")]
    assert graph["samples_per_s"] is None and graph["note"] == "CUDA only"       # no GPU here
    assert by[(small, "infgrad train")]["vs"] == "bare loop"
    text = md.read_text()
    assert "| small 20-128-128 | bare pack (limit) | 2 |" in text and "load average" in text

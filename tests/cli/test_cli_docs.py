"""Issue 23: docs/cli.md is the commands' own --help, and a test fails when it is stale."""

from __future__ import annotations

from pathlib import Path

from infgrad.proofs_check.cli import docs

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "cli.md"


def test_docs_cli_md_is_what_the_commands_say_now(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")                  # the terminal's width does not enter
    assert PAGE.read_text(encoding="utf-8") == docs.render(), (
        "docs/cli.md is stale: run python -m infgrad.proofs_check.cli.docs docs/cli.md")


def test_every_visible_command_has_its_section_with_its_options():
    from infgrad.proofs_check.cli.app import cli

    text = docs.render()
    for name, command in cli.commands.items():
        if not command.hidden:
            assert f"\n## infgrad {name}\n" in text, name
    assert "## infgrad certificate check" in text and "--steps INT" in text


def test_check_exits_1_on_a_stale_page_and_writing_makes_it_current(tmp_path, capsys):
    page = tmp_path / "cli.md"
    page.write_text(docs.render().replace("--steps", "--stpes"))
    assert docs.main([str(page), "--check"]) == 1
    assert "stale" in capsys.readouterr().err
    assert docs.main([str(page)]) == 0 and docs.main([str(page), "--check"]) == 0

"""The sweep's grid: parsing from --grid and TOML, seeds, refusals (exit 2), and the config hash."""

import pytest
from hypothesis import given, strategies as st

from infgrad.errors import BadInput
from infgrad.proofs_check.cli.app import run
from infgrad.proofs_check.sweep.cell import config_hash, make_cell
from infgrad.proofs_check.sweep.grid import FIELDS, load_toml, parse_grid, parse_seeds

from sweep_support import TINY, tiny_grid


def test_cells_are_the_product_first_field_slowest():
    g = tiny_grid()
    assert g.swept == {"beta": (0.5, 2.0), "kappa": (2, 4)}
    assert g.fixed["hidden"] == (16, 16) and g.fixed["steps"] == 40
    assert g.cells() == [{"beta": 0.5, "kappa": 2}, {"beta": 0.5, "kappa": 4}, {"beta": 2.0, "kappa": 2},
                         {"beta": 2.0, "kappa": 4}]
    assert g.seeds == (0, 1)


def test_toml_gives_the_same_grid(tmp_path):
    path = tmp_path / "g.toml"
    path.write_text('seeds = "0-1"\n[grid]\nbeta = [0.5, 2]\nkappa = [2, 4]\nd = 5\nr = 2\nn = 200\nsteps = 40\n'
                    'log_every = 20\ncheckpoint_every = 20\nhidden = [16, 16]\neval_samples = 100\n'
                    'mmd_samples = 50\n')
    assert load_toml(path) == tiny_grid()
    assert load_toml(path, seeds="3").seeds == (3,)
    path.write_text('[grid]\nhidden = [[8, 8], [16]]\n')
    assert load_toml(path).swept == {"hidden": ((8, 8), (16,))}
    for text in ('[grid]\nbeta = [0, 1]\n', '[grid\n', 'steps = 3\n'):
        path.write_text(text)
        with pytest.raises(BadInput):
            load_toml(path)
    with pytest.raises(BadInput, match=r"^cannot read grid file .*absent.toml: No such file"):
        load_toml(tmp_path / "absent.toml")


@pytest.mark.parametrize("spec,seeds", [(["beta=0,1"], "0"), (["nope=1,2"], "0"), (["beta"], "0"),
                                        (["beta=1,1"], "0"), (["beta=1", "beta=2"], "0"), (["r=5", "d=3"], "0"),
                                        (["beta=1"], "3-1"), (["beta=1"], "0,0"), (["beta=1"], "x"),
                                        (["seed=1,2"], "0")])
def test_bad_grids_are_refused(spec, seeds):
    with pytest.raises(BadInput):
        parse_grid(spec, seeds)


def test_cli_refuses_in_one_line_exit_2(tmp_path, capsys):
    assert run(["sweep", "--grid", "kappa=0,2", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("infgrad: error: ") and err.count("\n") == 1 and "kappa" in err
    assert not (tmp_path / "o").exists()


def test_ray_missing_says_how_to_install(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "ray", None)    # import ray raises ImportError
    assert run(["sweep", *sum([["--grid", g] for g in TINY], []), "--out", str(tmp_path / "o"),
                "--backend", "ray", "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'infgrad[ray]'" in err and err.count("\n") == 1
    assert not (tmp_path / "o").exists()


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=20, unique=True))
def test_seed_lists_round_trip(seeds):
    assert parse_seeds(",".join(map(str, seeds))) == tuple(seeds)
    lo = min(seeds)
    assert parse_seeds(f"{lo}-{lo + len(seeds) - 1}") == tuple(range(lo, lo + len(seeds)))


def test_hash_covers_config_seeds_device_not_spelling():
    g = tiny_grid()
    base = make_cell(g.cells()[0], g.fixed, g.seeds, "cpu")
    same = parse_grid([t.replace("beta=0.5,2", "beta=5e-1,2.0") for t in TINY], "0-1")
    assert make_cell(same.cells()[0], same.fixed, same.seeds, "cpu")["hash"] == base["hash"]
    others = [make_cell(g.cells()[1], g.fixed, g.seeds, "cpu"), make_cell(g.cells()[0], g.fixed, (0, 2), "cpu"),
              make_cell(g.cells()[0], g.fixed, g.seeds, "cuda"),
              make_cell(g.cells()[0], {**g.fixed, "lr": 2e-3}, g.seeds, "cpu")]
    assert len({base["hash"], *(c["hash"] for c in others)}) == 5
    assert config_hash(base) == base["hash"]


def test_an_address_nothing_listens_on_is_refused_at_once(tmp_path, capsys):
    import socket

    pytest.importorskip("ray")
    with socket.socket() as s:                         # a port that was free a moment ago
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert run(["sweep", *sum([["--grid", g] for g in TINY], []), "--out", str(tmp_path / "o"),
                "--backend", "ray", "--address", f"127.0.0.1:{port}", "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"infgrad: error: cannot reach a Ray cluster at --address 127.0.0.1:{port}")
    assert err.count("\n") == 1


@given(st.lists(st.one_of(st.text(alphabet="beta=kapxhiden_0123456789.,-e x", max_size=24),
                          st.builds("{}={}".format, st.sampled_from(FIELDS),
                                    st.text(alphabet="0123456789.,-exnaifl", max_size=16))),
                min_size=1, max_size=3),
       st.text(alphabet="0123456789-, x", max_size=12))
def test_any_grid_text_parses_or_is_refused_as_bad_input(specs, seeds):
    try:
        grid = parse_grid(specs, seeds)
    except BadInput as exc:
        assert str(exc) and "\n" not in str(exc).strip()
    else:
        assert grid.cells() and grid.seeds

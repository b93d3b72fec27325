"""The pilots' per-dimension statistics (benchmarks.pilots.spread) and the pilot script's guards."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.pilots.operating_point import WideDecoder, decoder_swapped, parse
from benchmarks.pilots.spread import dims_for_share, spread


def test_a_long_tail_and_real_use_have_the_same_count_at_005_nats_and_differ_everywhere_else():
    tail = spread([0.06] * 60 + [5.0] * 4, [0.95] * 60 + [0.01] * 4)
    used = spread([5.0] * 64, [0.01] * 64)
    assert tail["informative"]["0.05"] == used["informative"]["0.05"] == 64
    assert tail["informative"]["0.5"] == 4 and used["informative"]["0.5"] == 64
    assert tail["active_by_var"] == {"0.9": 4, "0.5": 4, "0.1": 4}
    assert used["active_by_var"] == {"0.9": 64, "0.5": 64, "0.1": 64}
    # 20 of the 23.6 nats sit in the 4 used dims: 3 of them hold 50% (15 >= 11.8 nats), and 90%
    # (21.24 nats) takes all 4 and 21 tail dims (20 + 21 x 0.06 = 21.26)
    assert tail["dims_for_kl_share"]["0.5"] == 3 and tail["dims_for_kl_share"]["0.9"] == 4 + 21
    assert used["dims_for_kl_share"] == {"0.5": 32, "0.9": 58, "0.99": 64}


def test_the_sorted_lists_histogram_and_quantiles_describe_the_input():
    kl = [0.0, 3.0, 0.2, 9.0, 1.5]
    var = [1.0, 0.05, 0.8, 0.001, 0.3]
    s = spread(kl, var)
    assert s["kl_sorted"] == [9.0, 3.0, 1.5, 0.2, 0.0]
    assert s["var_sorted_by_kl"] == [0.001, 0.05, 0.3, 0.8, 1.0]
    # bins [0, 0.05) [0.05, 0.5) [0.5, 1) [1, 2) [2, 4) [4, 8) [8, inf): 0 | 0.2 | - | 1.5 | 3 | - | 9
    assert s["kl_histogram"]["counts"] == [1, 1, 0, 1, 1, 0, 1]
    assert len(s["kl_histogram"]["counts"]) == len(s["kl_histogram"]["edges"])
    assert s["kl_quantiles"]["0.5"] == 1.5 and s["kl_quantiles"]["1.0"] == 9.0
    assert s["kl_total"] == pytest.approx(13.7)
    json.dumps(s, allow_nan=False)   # a pilot saves it as strict JSON


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.0, 50.0), min_size=1, max_size=80), st.sampled_from([0.5, 0.9, 0.99]))
def test_dims_for_share_is_the_fewest_dims_holding_the_share(kl, share):
    k = dims_for_share(kl, share)
    v = np.sort(kl)[::-1]
    if v.sum() == 0:
        assert k == 0
        return
    assert v[:k].sum() >= share * v.sum() * (1 - 1e-9)
    assert k == 1 or v[:k - 1].sum() < share * v.sum()


def test_spread_refuses_lists_of_different_lengths():
    with pytest.raises(ValueError, match="equal-length"):
        spread([1.0, 2.0], [0.5])


def test_pilots_refuse_the_seeds_of_reported_runs(capsys):
    with pytest.raises(SystemExit) as exc:
        parse(["--out", "x.json", "--seed", "0"])
    assert exc.value.code == 2 and "seeds >= 1000" in capsys.readouterr().err


def test_the_wide_decoder_at_32_channels_is_the_experiments_decoder_and_the_swap_is_undone():
    import torch

    from infgrad.models.vae import GaussianVAE, _ConvDecoder

    wide, base = WideDecoder(8), _ConvDecoder(8)
    assert [p.shape for p in wide.parameters()] == [p.shape for p in base.parameters()]
    wide.load_state_dict(base.state_dict())
    z = torch.randn(3, 8)
    assert torch.equal(wide(z), base(z))
    with decoder_swapped(64, 1):
        m = GaussianVAE(784, 8, "conv")
        assert isinstance(m.decoder, WideDecoder) and m.decoder.c == 64
        assert m.decode(z).shape == (3, 784)
    assert isinstance(GaussianVAE(784, 8, "conv").decoder, _ConvDecoder)

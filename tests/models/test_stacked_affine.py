"""The stacked MLP's affine layers (``models.stacked._run_layers``) against ``torch.nn.functional.linear``
run by run: same outputs and gradients."""

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from infgrad.models.stacked import _run_layers


@settings(deadline=None)
@given(M=st.integers(1, 4), B=st.integers(1, 7), widths=st.lists(st.integers(1, 9), min_size=2, max_size=4),
       seed=st.integers(0, 2**31 - 1))
def test_stacked_layers_match_linear_run_by_run_in_outputs_and_gradients(M, B, widths, seed):
    g = torch.Generator().manual_seed(seed)
    shapes = list(zip(widths[1:], widths[:-1]))                       # (out, in) per layer
    Ws = [torch.randn(M, o, i, generator=g, dtype=torch.float64, requires_grad=True) for o, i in shapes]
    bs = [torch.randn(M, o, generator=g, dtype=torch.float64, requires_grad=True) for o, _ in shapes]
    x = torch.randn(M, B, widths[0], generator=g, dtype=torch.float64, requires_grad=True)
    w_out = torch.randn(M, B, widths[-1], generator=g, dtype=torch.float64)
    out = _run_layers(list(zip(Ws, bs)), x)
    grads = torch.autograd.grad((out * w_out).sum(), [x, *Ws, *bs])
    for m in range(M):                                                # the independent computation
        xm = x[m].detach().clone().requires_grad_()
        Wm = [W[m].detach().clone().requires_grad_() for W in Ws]
        bm = [b[m].detach().clone().requires_grad_() for b in bs]
        h = xm
        for j, (W, b) in enumerate(zip(Wm, bm)):
            h = torch.nn.functional.linear(h, W, b)
            h = torch.relu(h) if j < len(Wm) - 1 else h
        torch.testing.assert_close(out[m], h)
        ref = torch.autograd.grad((h * w_out[m]).sum(), [xm, *Wm, *bm])
        for got, want in zip(grads, ref):
            torch.testing.assert_close(got[m], want)

"""The flat buffer's layout (``models.stacked.Layout``): 2-D weights stored transposed, so that
autograd's weight gradients arrive in the buffer's order; views, rows and checkpoints still show
each tensor in the module's own shape and order."""

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from infgrad.models.checkpoint import load_checkpoint
from infgrad.models.config import TrainConfig
from infgrad.models.stacked import Layout, StackedVAE
from infgrad.models.checkpoint import CHECKPOINT_NAME
from infgrad.models.trainer import train
from infgrad.models.vae import GaussianVAE

from torch_adam_reference import torch_adam_run


def _module_tensors(model: GaussianVAE, layout: Layout) -> list[torch.Tensor]:
    tensors = dict(model.named_parameters()) | dict(model.named_buffers())
    return [tensors[n].detach() for n in layout.names]


@settings(deadline=None, max_examples=30)
@given(d=st.integers(1, 9), kappa=st.integers(1, 5), hidden=st.lists(st.integers(1, 9), min_size=1, max_size=3),
       seed=st.integers(0, 2**31 - 1))
def test_views_and_the_canonical_row_show_every_tensor_as_the_module_holds_it(d, kappa, hidden, seed):
    torch.manual_seed(seed)
    model = GaussianVAE(d, kappa, "mlp", tuple(hidden))
    layout = Layout.of(model)
    row = layout.row(model)
    want = _module_tensors(model, layout)
    assert row.shape == (layout.size,)
    for got, ref in zip(layout.views(row), want):
        assert torch.equal(got, ref)
    canonical = layout.canonical(row)
    assert torch.equal(canonical, torch.cat([t.reshape(-1) for t in want]))   # the modules' own order
    assert torch.equal(layout.from_canonical(canonical), row)
    assert torch.equal(layout.row(model), row)


def test_every_weight_gradient_arrives_with_the_strides_of_its_block_of_the_flat_buffer():
    """So that gathering the step's gradient into one (runs, P) buffer is a plain copy: stored in
    the module's (out, in) order, each weight's gradient came back transposed and was copied with
    a strided, transposing copy every step (15 % of a 784-512-512 step on the 2-core CPU)."""
    torch.manual_seed(0)
    models = [GaussianVAE(7, 3, "mlp", (5, 4)) for _ in range(2)]
    layout = Layout.of(models[0])
    flat = torch.stack([layout.row(m) for m in models])
    leaves = [v.detach().requires_grad_(True) for v in layout.views(flat)]
    loss = StackedVAE(models[0], layout, leaves).loss(torch.rand(2, 11, 7), torch.randn(2, 11, 3), torch.ones(2, 1))
    grads = torch.autograd.grad(loss.sum(), leaves)
    weights = [(n, v, g) for n, v, g in zip(layout.names, leaves, grads) if v.dim() == 3]
    assert len(weights) == 6
    for name, leaf, grad in weights:                                  # the order within a run's block
        assert grad.stride()[1:] == leaf.stride()[1:], (name, grad.stride(), leaf.stride())


def test_a_checkpoint_holds_the_adam_moments_in_the_modules_order_as_torch_adam_keeps_them(tmp_path):
    """Independent computation: torch.optim.Adam on a GaussianVAE fed the run's draws in the same
    order; the checkpoint's flat moments, split by tensor, are its per-parameter state."""
    cfg = TrainConfig(steps=50, lr_tail_fraction=0.0, d=6, r=2, n=200, kappa=3, hidden=(16, 16), batch_size=32,
                      log_every=25, checkpoint_every=50, mmd_samples=50, eval_samples=200)
    train(cfg, checkpoint_dir=tmp_path, progress=False)
    st_ = load_checkpoint(tmp_path / CHECKPOINT_NAME)
    model, opt = torch_adam_run(cfg)
    layout = Layout.of(model)
    named = dict(model.named_parameters())
    for key in ("exp_avg", "exp_avg_sq"):                              # torch's names for the moments
        parts = torch.split(st_["adam"][key], [int(torch.Size(s).numel()) for s in layout.shapes])
        for name, shape, part in zip(layout.names, layout.shapes, parts):
            want = opt.state[named[name]][key]                        # float32 reordering: 1e-3 of its scale
            torch.testing.assert_close(part.view(shape), want, rtol=1e-3, atol=1e-3 * float(want.abs().max()))

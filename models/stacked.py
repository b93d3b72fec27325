"""M Gaussian VAEs of one shape as one computation: a flat parameter buffer, the stacked energy (3)
and one Adam over the whole buffer with a per-run learning rate.

Layout. Every run's parameters live in one row of ``flat`` (runs, P): the model's trainable tensors
in ``named_parameters`` order, then ``log_gamma`` last (a parameter when gamma is learned, a buffer
when fixed; the pack keeps it in the buffer either way and masks its gradient for fixed runs). The
per-run ``GaussianVAE`` modules (used for metrics and checkpoints) hold views of their row, so they
always see the current values without copies. A 2-D weight W (out, in) is stored as W^T, (in, out)
row-major, and its view is the transpose of that block: ``h W^T`` is a matmul with that block as it
lies, and autograd's gradient of the block, ``h^T dY``, arrives in the same order, so gathering the
gradient into one (runs, P) buffer is a plain copy. Stored (out, in), every step copied each
weight's gradient with a transposing, strided copy: on the 2-core CPU 15 % of a large-model step
(784-512-512, batch 256: 4.6 ms of 31 ms) and ~6 % of a small one. :meth:`Layout.canonical` gives
a row in the modules' own order (what checkpoints hold).

Forward. ``mlp`` and ``linear``: one ``baddbmm`` per layer over the run axis (measured on the 2-core
CPU, small model 20-128-128, batch 100, one thread: 2.1 ms per step for one run and 70 ms for 64,
against 3.5-4.0 ms and 65-73 ms with ``torch.func.vmap`` over ``functional_call``: equal for large
packs, bmm twice as fast for one run, the case ``train`` uses). ``conv``: ``torch.func.vmap`` over
``functional_call`` of the encoder and decoder on CUDA (vmap turns the convolutions into grouped
ones); on the CPU a loop over runs, which measured 1.4x faster for 3 runs (encoder forward and
backward, 1 thread: 50 ms against 70 ms) and makes a packed run compute exactly what it computes alone.

Adam (Kingma and Ba, 2015, as ``torch.optim.Adam`` with betas (0.9, 0.999), eps 1e-8) runs over the
(runs, P) buffers with the learning rate a (runs, 1) tensor: about ten elementwise ops per step
whatever the number of parameter tensors, no host values, so it is CUDA-graph capturable. torch's
fused Adam takes one scalar lr, which rules it out for per-run step sizes. Optional Rprop-style
damping per run (Riedmiller and Braun, 1993; see ``models.trainer``) scales the update elementwise.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Sequence

import torch
from torch import Tensor, nn
from torch.func import functional_call, vmap   # loaded by `import torch` already

from .vae import GaussianVAE, eq3_terms

BETA1, BETA2, ADAM_EPS = 0.9, 0.999, 1e-8
ETA_MIN, ETA_UP, ETA_DOWN = 1e-3, 1.2, 0.5


@dataclass(frozen=True)
class Layout:
    """Where each named tensor sits in a row of the flat buffer (2-D weights stored transposed)."""

    names: tuple[str, ...]
    shapes: tuple[tuple[int, ...], ...]                              # as the module holds them
    offsets: tuple[int, ...]
    size: int                                                        # P

    @property
    def sizes(self) -> list[int]:
        """The numel of each named tensor, in storage order."""
        return [b - a for a, b in zip(self.offsets, (*self.offsets[1:], self.size))]

    @staticmethod
    def of(model: GaussianVAE) -> "Layout":
        names = [n for n, _ in model.named_parameters() if n != "log_gamma"] + ["log_gamma"]
        tensors = dict(model.named_parameters()) | dict(model.named_buffers())
        shapes = [tuple(tensors[n].shape) for n in names]
        offsets, at = [], 0
        for s in shapes:
            offsets.append(at)
            at += int(torch.Size(s).numel())
        return Layout(tuple(names), tuple(shapes), tuple(offsets), at)

    def flatten(self, tensors: list[Tensor]) -> list[Tensor]:
        """Tensors shaped (..., *shape) per name as (..., numel) blocks in storage order (a view
        wherever the tensor lies in that order, as autograd's gradients of :meth:`views` do)."""
        return [(t.transpose(-1, -2) if len(s) == 2 else t).reshape(*t.shape[:t.dim() - len(s)], -1)
                for t, s in zip(tensors, self.shapes)]

    def row(self, model: GaussianVAE) -> Tensor:
        """The model's tensors as one (P,) vector in storage order."""
        tensors = dict(model.named_parameters()) | dict(model.named_buffers())
        return torch.cat(self.flatten([tensors[n].detach() for n in self.names]))

    def views(self, flat: Tensor) -> list[Tensor]:
        """Views of ``flat`` (..., P) shaped (..., *shape) per name (2-D weights: transposed views)."""
        lead = flat.shape[:-1]
        out = []
        for o, s in zip(self.offsets, self.shapes):
            block = flat[..., o:o + int(torch.Size(s).numel())]
            out.append(block.view((*lead, s[1], s[0])).transpose(-1, -2) if len(s) == 2 else block.view((*lead, *s)))
        return out

    def canonical(self, row: Tensor) -> Tensor:
        """A storage-order row (P,) (parameters, or Adam state of the same shape) in the modules'
        order: each tensor's elements row-major in its own shape."""
        return torch.cat([v.reshape(-1) for v in self.views(row)])

    def from_canonical(self, vec: Tensor) -> Tensor:
        """The inverse of :meth:`canonical`: a (P,) vector in the modules' order, in storage order."""
        parts = torch.split(vec, [int(torch.Size(s).numel()) for s in self.shapes])
        return torch.cat(self.flatten([p.view(s) for p, s in zip(parts, self.shapes)]))


def bind(model: GaussianVAE, layout: Layout, row: Tensor, *, trainable: bool = False) -> GaussianVAE:
    """Make ``model``'s tensors views of ``row`` (P,) (``trainable``: fresh copies that require grad)."""
    for name, view in zip(layout.names, layout.views(row)):
        owner_name, _, leaf = name.rpartition(".")
        owner = model.get_submodule(owner_name) if owner_name else model
        value = view.clone(memory_format=torch.contiguous_format) if trainable else view
        if leaf in owner._parameters:
            owner._parameters[leaf] = nn.Parameter(value, requires_grad=trainable)
        else:
            owner._buffers[leaf] = value
    return model


class StackedVAE:
    """The forward pass of M models of one architecture on (M, batch, d) inputs."""

    def __init__(self, template: GaussianVAE, layout: Layout, leaves: list[Tensor],
                 grouped: bool | None = None) -> None:
        """``grouped`` (conv only): vmap's grouped convolutions (default on CUDA) or run by run."""
        self.kappa = template.kappa
        self.arch = template.arch
        by_name = dict(zip(layout.names, leaves))
        self.log_gamma = by_name["log_gamma"]                          # (M,)
        if self.arch in ("mlp", "linear"):
            self.enc = _linear_layers(template.encoder, "encoder", by_name)
            self.dec = _linear_layers(template.decoder, "decoder", by_name)
        else:
            enc_p = {n[len("encoder."):]: t for n, t in by_name.items() if n.startswith("encoder.")}
            dec_p = {n[len("decoder."):]: t for n, t in by_name.items() if n.startswith("decoder.")}
            enc_m, dec_m = template.encoder, template.decoder
            if self.log_gamma.device.type == "cuda" if grouped is None else grouped:  # one for all runs
                enc_f = vmap(lambda p, x: functional_call(enc_m, p, (x,)))
                dec_f = vmap(lambda p, z: functional_call(dec_m, p, (z,)))
                self._encode = lambda x: enc_f(enc_p, x)
                self._decode = lambda z: dec_f(dec_p, z)
            else:  # the CPU: run by run is 1.4x faster than vmap's grouped convolution (3 runs), and
                # each run computes exactly what it computes alone
                self._encode = lambda x: _per_run(enc_m, enc_p, x)
                self._decode = lambda z: _per_run(dec_m, dec_p, z)

    def encode(self, x: Tensor) -> Tensor:
        return _run_layers(self.enc, x) if self.arch != "conv" else self._encode(x)

    def decode(self, z: Tensor) -> Tensor:
        return _run_layers(self.dec, z) if self.arch != "conv" else self._decode(z)

    def loss(self, x: Tensor, eps: Tensor, beta: Tensor) -> Tensor:
        """Per-run mean over the batch of Eq. (3); x (M, B, d), eps (M, B, kappa), beta (M, 1) -> (M,)."""
        h = self.encode(x)                                              # (M, B, 2 kappa)
        mu_z, logvar_z = h[..., : self.kappa], h[..., self.kappa:]
        t = eq3_terms(x, mu_z, logvar_z, eps, self.decode, self.log_gamma.unsqueeze(1), beta)
        return t["energy"].mean(-1)


def _per_run(module: nn.Module, params: dict[str, Tensor], x: Tensor) -> Tensor:
    """``module`` of run i (its parameters ``params[name][i]``) on ``x[i]``, stacked over runs."""
    return torch.stack([functional_call(module, {n: t[i] for n, t in params.items()}, (x[i],))
                        for i in range(x.shape[0])])


def _linear_layers(seq: nn.Module, prefix: str, by_name: dict[str, Tensor]) -> list[tuple[Tensor, Tensor]]:
    """(W (M, out, in), b (M, out)) per affine layer, in order; ReLU sits between them (``_mlp``)."""
    if isinstance(seq, nn.Linear):
        return [(by_name[f"{prefix}.weight"], by_name[f"{prefix}.bias"])]
    return [(by_name[f"{prefix}.{i}.weight"], by_name[f"{prefix}.{i}.bias"])
            for i, m in enumerate(seq) if isinstance(m, nn.Linear)]


def _run_layers(layers: list[tuple[Tensor, Tensor]], h: Tensor) -> Tensor:
    last = len(layers) - 1
    for j, (W, b) in enumerate(layers):
        h = torch.baddbmm(b.unsqueeze(1), h, W.transpose(1, 2))        # (M, B, out) = b + h W^T
        if j < last:
            h = torch.relu(h)
    return h


class FlatAdam:
    """Adam on (M, P) buffers with a per-run lr (M, 1); all state tensors, updated in place.

    ``step(flat, grad, lr)``: m <- b1 m + (1 - b1) g, v <- b2 v + (1 - b2) g^2, t <- t + 1,
    flat <- flat - lr / (1 - b1^t) * m / (sqrt(v / (1 - b2^t)) + eps) [* eta with damping]
    (six passes over the buffers without damping).

    Damping (Rprop-style, Riedmiller and Braun 1993; Sec. 4's sign-oscillation countermeasure):
    each element keeps eta in [ETA_MIN, 1] scaling its update; eta halves when the element's sign
    flips and grows by ETA_UP (up to 1) otherwise. The sign compared is smoothed per run by an
    exponential moving average, s_t = ema s_{t-1} + (1 - ema) sign(g_t) (``ema`` (M, 1); 0 is the raw
    Rprop test sign(g_t) sign(g_{t-1}) < 0), and a flip is a change of sign of s (issue 11, T18).
    Why: under minibatch noise a raw sign flips with probability ~1/2 per step, so eta is multiplied
    by ~ETA_DOWN * ETA_UP = 0.6 every two steps and collapses to ETA_MIN: weights freeze far from an
    optimum (measured before: 8/8 active dims instead of 3/3). A zero-mean noise sign makes s an AR(1)
    whose sign changes in about arccos(ema) / pi of the steps (0.14 at ema = 0.9, once in ~7 steps),
    and 0.5 * 1.2^6 > 1 per such cycle keeps eta at 1; a true period-2 oscillation still flips s
    every step (s alternates around +-(1 - ema) / (1 + ema)) and is damped.
    """

    def __init__(self, flat: Tensor, damping: Tensor | None, ema: Tensor | None = None) -> None:
        M = flat.shape[0]
        self.m = torch.zeros_like(flat)
        self.v = torch.zeros_like(flat)
        self.t = torch.zeros((M, 1), dtype=flat.dtype, device=flat.device)
        self.denom = torch.empty_like(flat)                            # scratch, reused every step
        self.damp = damping                                            # (M, 1) bool or None
        if damping is not None:
            self.prev = torch.zeros_like(flat)                         # smoothed sign s_{t-1}
            self.eta = torch.ones_like(flat)
            self.ema = torch.zeros((M, 1), dtype=flat.dtype, device=flat.device) if ema is None else ema
            self.flips = torch.zeros(M, dtype=torch.int64, device=flat.device)

    def state_names(self) -> tuple[str, ...]:
        return ("m", "v", "t") + (("prev", "eta", "flips") if self.damp is not None else ())

    @torch.no_grad()
    def step(self, flat: Tensor, g: Tensor, lr: Tensor) -> None:
        # in place and into preallocated buffers only: on the 2-core CPU an op that allocates its
        # (64 x 41k) result took 4-5x the time of the same op writing into a buffer (sqrt 24 ms vs 5)
        self.t.add_(1.0)
        self.m.lerp_(g, 1.0 - BETA1)
        self.v.mul_(BETA2).addcmul_(g, g, value=1.0 - BETA2)
        step = lr / (1.0 - torch.pow(BETA1, self.t))                     # (M, 1): lr / (1 - b1^t)
        scale = 1.0 / (step * (1.0 - torch.pow(BETA2, self.t)).sqrt())  # (M, 1)
        # denom / step = (sqrt(v / (1 - b2^t)) + eps) / step, so the update is m / (denom / step)
        torch.sqrt(self.v, out=self.denom).mul_(scale).add_(ADAM_EPS / step)
        m = self.m
        if self.damp is not None:
            s = self.ema * self.prev + (1.0 - self.ema) * g.sign()
            flip = (s * self.prev) < 0
            self.flips.add_((flip & self.damp).sum(1))
            new = torch.where(flip, (self.eta * ETA_DOWN).clamp_(min=ETA_MIN), (self.eta * ETA_UP).clamp_(max=1.0))
            self.eta.copy_(torch.where(self.damp, new, self.eta))
            self.prev.copy_(s)
            m = self.m * self.eta
        flat.addcdiv_(m, self.denom, value=-1.0)

    @torch.no_grad()
    def fused_step(self, flat: Tensor, grads: list[Tensor], lr: Sequence[float], learn: Sequence[bool],
                   sizes: Sequence[int]) -> None:
        """The update of :meth:`step` without damping, on the CPU, as one pass per tensor of
        torch's fused Adam kernel (the one behind ``torch.optim.Adam(fused=True)``): ``grads`` are the
        (M, numel) blocks of :meth:`Layout.flatten` (no gathered (M, P) copy), ``sizes`` their numels,
        ``lr`` the runs' step sizes as host numbers; a run with ``learn`` False leaves its last block
        (log gamma) alone, as a zero gradient leaves it in :meth:`step`. The numbers differ from
        :meth:`step`'s by float rounding (it divides by the bias corrections in float64 where
        :meth:`step` multiplies by float32 factors; tests: rtol 1e-6). Measured on the 2-core CPU with
        1.4 M parameters (the large model): 0.9 ms against 2.6 ms for :meth:`step`, plus 0.7 ms of
        gathering the gradient."""
        if self.damp is not None:
            raise ValueError("fused_step has no damping; use step")
        if getattr(self, "_rows", None) is None:     # each run's blocks of flat, m, v: fixed views
            bounds = [0, *itertools.accumulate(sizes)]                 # storage order, as Layout
            self._rows = [[[t[i, a:b] for a, b in zip(bounds, bounds[1:])] for t in (flat, self.m, self.v)]
                          for i in range(flat.shape[0])]
        self.t.add_(1.0)
        g_rows = [g.contiguous().unbind(0) for g in grads]             # the kernel reads raw memory
        groups: dict[float, list[int]] = {}
        for i, step in enumerate(lr):
            groups.setdefault(float(step), []).append(i)
        for step, rows in groups.items():
            ps, gs, ms, vs, ts = [], [], [], [], []
            for i in rows:
                k = len(grads) if learn[i] else len(grads) - 1
                p_i, m_i, v_i = self._rows[i]
                ps += p_i[:k]
                ms += m_i[:k]
                vs += v_i[:k]
                gs += [g[i] for g in g_rows[:k]]
                ts += [self.t[i]] * k
            torch._fused_adam_(ps, gs, ms, vs, [], ts, lr=step, beta1=BETA1, beta2=BETA2, weight_decay=0.0,
                               eps=ADAM_EPS, amsgrad=False, maximize=False)

"""The beta sweep around d/r, near an optimal sparse representation (T5, Sec. 2.3).

Claim: near optimal sparse representations the loss behaves as (d - beta r) log gamma, so for
beta < d/r a smaller gamma lowers the loss (gamma keeps falling, the reconstruction stays exact),
while for beta > d/r it raises it (gamma is pushed up and the reconstruction error grows).

Design. The claim is local: it is about behaviour *near* an optimal sparse representation. Runs
from a random start are not a test of it: with beta well below d/r they can still collapse
(observed with d = 20, r = 3, beta = 3: two active units, reconstruction error 1.4 after 20000
Adam steps), which is a statement about the optimisation path, not about the local scaling.
So each seed first trains with beta = 1 to an optimal sparse representation (the *base*; its
gamma and active dimensions are recorded and must show that it is one), then continues from
that state (``init_state``, a fresh optimiser) with each beta of the sweep for the same number of
steps, and records how ln gamma and the reconstruction error move. beta = 1 is the control arm:
it shows the effect of the restart itself.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, replace
from typing import Any

from .common import run_record, seed_list, stats

NAME = "beta"
CLAIMS = ("T5",)


@dataclass(frozen=True)
class Size:
    data: str = "subspace"
    d: int = 20
    r: int = 3
    n: int = 1000
    kappa: int = 8
    hidden: tuple[int, ...] = (64, 64)
    base_steps: int = 3000
    steps: int = 1000              # continuation steps per beta
    betas: tuple[float, ...] = (1.0, 3.0, 5.0, 8.0, 12.0)   # d/r = 6.67 for d = 20, r = 3
    lr: float = 3e-3              # the base must reach gamma <= 1e-3 in base_steps (Adam: |d ln gamma| <~ lr/step)
    seeds: int = 2
    log_every: int = 50


SIZES = {
    "quick": Size(),
    "full": Size(n=5000, hidden=(128, 128), base_steps=10000, steps=3000, lr=2e-3,
                 betas=(1.0, 3.0, 5.0, 6.0, 7.5, 9.0, 12.0), seeds=3, log_every=100),
}

# The pass rules, fixed before any run.
BASE_GAMMA_MAX = 1e-3   # the base must be an optimal sparse representation: gamma <= this ...
FALL_MAX = 0.5          # beta < d/r: ln gamma_end - ln gamma_start <= FALL_MAX (gamma does not rise)
RISE_MIN = 1.0          # beta > d/r: ln gamma_end - ln gamma_start >= RISE_MIN (gamma rises by >= e)
ERROR_RISE = 2.0        # ... and the reconstruction error grows by at least this factor
# Written after the first quick run (it does not change the verdict above): why "gamma does not
# rise" for beta < d/r is stricter than the claim over a finite continuation.
POST_HOC_NOTE = (
    "Linearising the decoder around the base, the encoder variances settle at sigma_j^2 ~ beta gamma / "
    "||w_j||^2, the expected error is err_det + r beta gamma, and the gamma-stationary point of (3) is "
    "gamma = err_det / (d - beta r). With err_det > 0 (finite training) this fixed point is finite and "
    "increases with beta for every beta < d/r, so gamma rises towards it after the switch from beta = 1; "
    "only for beta > d/r is there no finite fixed point. The (d - beta r) log gamma scaling is the "
    "err_det -> 0 limit of the same expression. The diagnostic d gamma / err_det at the end is recorded "
    "per beta against d / (d - beta r).")
RULES = {
    "T5": (f"Premise: the beta = 1 base of each seed is an optimal sparse representation (gamma <= "
           f"{BASE_GAMMA_MAX:g} and exactly r active dimensions by mean encoder variance); seeds "
           f"without it are not judged, and with none the verdict is inconclusive. Then, continuing "
           f"from the base with each beta for the same number of steps: for every beta < d/r, "
           f"ln gamma_end - ln gamma_start <= {FALL_MAX:g}; for every beta > d/r, ln gamma_end - "
           f"ln gamma_start >= {RISE_MIN:g} and the reconstruction error at the end >= "
           f"{ERROR_RISE:g} x the base's. Every judged seed must satisfy every beta."),
}


def run(profile: str = "quick", *, seeds: int | None = None, seed: int = 0, device: str = "cpu",
        size: Size | None = None, progress: bool = False) -> dict[str, Any]:
    """Train the base per seed, continue with each beta; returns trajectories, table, verdict."""
    from models.config import TrainConfig
    from models.data import load_dataset
    from models.trainer import train

    sz = size or SIZES[profile]
    if seeds is not None:
        sz = replace(sz, seeds=seeds)
    start = time.perf_counter()
    per_seed = []
    for s in seed_list(seed, sz.seeds):
        data = load_dataset(sz.data, d=sz.d, r=sz.r, n=sz.n, seed=s)
        cfg = TrainConfig(data=sz.data, d=sz.d, r=sz.r, n=sz.n, kappa=sz.kappa, hidden=sz.hidden,
                          steps=sz.base_steps, lr=sz.lr, seed=s, device=device,
                          log_every=sz.log_every, checkpoint_every=sz.log_every * 10)
        base = train(cfg, data, progress=progress)
        state = {k: v.detach().clone() for k, v in base.model.state_dict().items()}
        conts = []
        for b in sz.betas:
            res = train(cfg.replace(beta=float(b), steps=sz.steps), data, init_state=state,
                        progress=progress)
            conts.append(run_record(res, beta=float(b)))
        per_seed.append({"seed": s, "base": run_record(base), "continued": conts})
    out = {"experiment": NAME, "claims": list(CLAIMS), "profile": profile, "size": asdict(sz),
           "d_over_r": sz.d / sz.r, "rules": RULES, "seeds": per_seed,
           "seconds": time.perf_counter() - start}
    out["table"] = table(out)
    out["verdicts"] = judge(out)
    return out


def changes(base: dict, cont: dict) -> dict[str, float]:
    """ln gamma_end - ln gamma_start and error_end / error_start of one continuation."""
    g0, g1 = float(base["final"]["gamma"]), float(cont["final"]["gamma"])
    e0, e1 = float(base["final"]["recon_error"]), float(cont["final"]["recon_error"])
    return {"dlog_gamma": math.log(g1) - math.log(g0) if g0 > 0 and g1 > 0 else float("nan"),
            "error_ratio": e1 / e0 if e0 > 0 else float("inf"),
            "gamma_end": g1, "recon_error_end": e1,
            "active_var_end": float(cont["final"]["active_var"]),
            "active_units_end": float(cont["final"]["active_units"]),
            # post-hoc diagnostic (not part of the rule): d gamma / err_det at the end, to compare with
            # the linearised fixed point d / (d - beta r) (finite only for beta < d/r)
            "d_gamma_over_err_end": (float(cont.get("config", {}).get("d", float("nan"))) * g1 / e1
                                     if e1 > 0 else float("inf"))}


def table(result: dict[str, Any]) -> dict[str, Any]:
    """Per beta: mean and spread over seeds of the changes; and the bases."""
    rows = []
    betas = [c["beta"] for c in result["seeds"][0]["continued"]] if result["seeds"] else []
    for i, b in enumerate(betas):
        ch = [changes(s["base"], s["continued"][i]) for s in result["seeds"]]
        d = float(result["size"]["d"])
        r = float(result["size"]["r"])
        rows.append({"beta": b, "side": "below" if b < result["d_over_r"] else "above",
                     "fixed_point_d_over_d_minus_beta_r": d / (d - b * r) if b * r < d else float("inf"),
                     **{k: stats(c[k] for c in ch) for k in ch[0]}})
    bases = {k: stats(s["base"]["final"][k] for s in result["seeds"])
             for k in ("gamma", "recon_error", "active_var", "active_units")}
    return {"rows": rows, "base": bases, "seeds": [s["seed"] for s in result["seeds"]]}


def judge(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The verdict on T5 (reads ``size.r``, ``d_over_r`` and ``seeds``)."""
    r, ratio = int(result["size"]["r"]), float(result["d_over_r"])
    judged, skipped, flags = [], [], {}
    for s in result["seeds"]:
        f = s["base"]["final"]
        if not (f["gamma"] <= BASE_GAMMA_MAX and f["active_var"] == r):
            skipped.append({"seed": s["seed"], "gamma": f["gamma"], "active_var": f["active_var"]})
            continue
        judged.append(s["seed"])
        for c in s["continued"]:
            ch = changes(s["base"], c)
            b = c["beta"]
            if b < ratio:
                ok = ch["dlog_gamma"] <= FALL_MAX
            elif b > ratio:
                ok = ch["dlog_gamma"] >= RISE_MIN and ch["error_ratio"] >= ERROR_RISE
            else:
                continue  # beta = d/r exactly: the leading term vanishes, no prediction
            flags[f"seed={s['seed']}/beta={b:g}"] = bool(ok)
    if not judged:
        status = "inconclusive"
    else:
        status = "pass" if all(flags.values()) else "fail"
    return {"T5": {"status": status, "rule": RULES["T5"], "flags": flags,
                   "detail": {"judged_seeds": judged, "bases_not_sparse": skipped},
                   "post_hoc_note": POST_HOC_NOTE}}


def summaries(result: dict[str, Any]) -> dict[str, str]:
    rows = result["table"]["rows"]
    parts = ", ".join(f"b={row['beta']:g}: {row['dlog_gamma']['mean']:+.2f}" for row in rows)
    base = result["table"]["base"]
    return {"T5": (f"d/r={result['d_over_r']:.3g}; base gamma {base['gamma']['mean']:.2g}; "
                   f"d ln(gamma) after {result['size']['steps']} steps: {parts}; "
                   f"{len(result['seeds'])} seeds")}

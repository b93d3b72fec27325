"""Before/after of LOG_RECON_SAMPLES in one process: bare loop, train with the old log points
(recon_error on all eval samples), train with the new; CPU seconds; rotating order."""
import json, statistics, sys, time, torch
torch.set_num_threads(1)
from benchmarks.trainer import MODELS, _config, bare_loop
from infgrad.models import engine
from infgrad.models.data import load_dataset
from infgrad.models.trainer import train
spec = MODELS["large 784-512-512"]
cfg = _config(spec, "cpu", 200)
data = load_dataset("manifold", d=spec["d"], r=spec["r"], n=spec["n"], seed=0)
X = torch.as_tensor(data.X)
def run_train(k):
    engine.LOG_RECON_SAMPLES = k
    t = time.process_time(); train(cfg, data, progress=False); return time.process_time() - t
def run_bare():
    return bare_loop(cfg, X).cpu
jobs = {"bare": run_bare, "old": lambda: run_train(10 ** 9), "new": lambda: run_train(256)}
bare_loop(cfg.replace(steps=20), X); run_train(256)
out = {k: [] for k in jobs}
names = list(jobs)
for r in range(int(sys.argv[1])):
    for n in names[r % 3:] + names[:r % 3]:
        out[n].append(jobs[n]())
med = {k: statistics.median(v) for k, v in out.items()}
print(json.dumps({"cpu_seconds": out, "median": med, "bare/old": med["bare"] / med["old"], "bare/new": med["bare"] / med["new"],
                  "pairs_bare_over": {k: [round(b / x, 3) for b, x in zip(out["bare"], out[k])] for k in ("old", "new")}}, indent=1))

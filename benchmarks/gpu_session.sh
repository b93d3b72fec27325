#!/usr/bin/env bash
# One GPU session of issue 10, prepared to run once: the gpu tests, the benchmark harness (limits as
# rows, ratios side by side) and the full profile end to end, each under its own timeout so that
# the whole fits one 10-minute device command (the session has 15 minutes of device time). A
# session of 2026-11-27 ran "bench done tests+split" (benchmarks/results/gpu-2026-11-27/); the next
# ran the defaults, "tests report bench done" with BUDGET=570 and T_REPORT=360, in 426 s of a
# 600 s device call (benchmarks/results/gpu-2026-11-27b/).
#
#   benchmarks/gpu_session.sh                  # on the GPU machine: the default stages, device cuda
#   benchmarks/gpu_session.sh cpu tiny         # the check on a CPU: same steps, tiny sizes
#   STAGES="bench tests+split" benchmarks/gpu_session.sh   # some stages; a+b: a and b side by side
#   BUDGET=400 benchmarks/gpu_session.sh       # all stages within 400 s of the start (full: 570)
#
# Stages:
#   bench   the harness, alone on the machine (it is timed), one process per model
#   done    the README's `infgrad train` done-means run, timed
#   tests   the gpu tests
#   report  `report --profile full --fresh`, end to end, for its wall time, T17 included when the
#           carried cvxpy imports (else T17 is copied from docs/results/full/ and the rest run)
#   sweep   `infgrad sweep` (local backend, one process on the GPU): 3 beta x 2 kappa cells x 10 seeds
#           of the small model (tiny: 2 x 2 cells x 2 seeds, 40 steps), its wall time and per-cell
#           seconds for docs/scale.md's estimate (not among the default stages: name it in STAGES)
#   split   the claims that need the GPU (T12 T13 T15 T16, --fresh; the report runs them side by
#           side) into a copy of docs/results/full/, then one report of everything, each other
#           check reused and named as run on another device (tiny: an empty folder, those claims)
# Stages joined by + run side by side (they share the GPU, so none of them is timed).
# Before the device call, here: benchmarks/stage_data.sh, then carry ".data" and ".whl" (the IDX
# files, 35 MB, and the wheels, 17 MB: python-flint, and cvxpy's core with qdldl and CLARABEL, T17's
# one solver; the GPU machine has none of them). Without cvxpy T17 is reused in `report` and `split`.
#
# BUDGET: each stage's timeout is cut to what is left of it, less 20 s for the packing at the end, and a
# stage with under 10 s left is skipped (its line says so), so that the device command ends by itself
# with its results packed, before the tool's own limit kills it and the 8-file limit drops them.
#
# Results go to $OUT (the device tool's return folder) or benchmarks/results/session: the logs,
# trainer_<model>.json/.md, report.txt (each stage's exit status and wall time), the report folders;
# at the end all but machine.txt and report.txt go into session.tgz (the tool returns 8 files).
set -u
START=$(date +%s)
DEVICE=${1:-cuda}
SIZE=${2:-full}
STAGES=${STAGES-"tests report bench done"}   # set but empty: no stage (the machine and data lines only)
OUT=${OUT:-benchmarks/results/session}
GPU_TESTS="tests/models/test_gpu.py tests/ground/test_bounds.py tests/cli/test_pack_kill.py"   # the files with gpu marks
mkdir -p "$OUT"
# the carried wheels and image files (benchmarks/stage_data.sh); models/data.py looks first where
# the two variables point
if ls .whl/*.whl > /dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    && export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
[ -d .data/fashion-mnist ] && export INFGRAD_FASHION_MNIST=$PWD/.data/fashion-mnist
[ -d .data/mnist ] && export INFGRAD_MNIST=$PWD/.data/mnist
# The device machine has no network, so no pip install: make `infgrad.*` importable from this
# checkout by a folder whose infgrad/ holds the package files and links to the four folders
# (what setup.cfg's package_dir mapping does for an install).
SRC=$(mktemp -d)/src
mkdir -p "$SRC/infgrad"
cp infgrad/*.py "$SRC/infgrad/"
for folder in theory models proofs_check figures; do ln -s "$PWD/$folder" "$SRC/infgrad/$folder"; done
# PYTHONSAFEPATH: `python3 -m`/`-c`/pytest would put the checkout (whose infgrad/ holds only the
# top-level files) before $SRC on sys.path
export PYTHONSAFEPATH=1 PYTHONPATH="$SRC:$PWD${PYTHONPATH:+:$PYTHONPATH}"
if [ "$SIZE" = tiny ]; then
  BENCH_ARGS="--repeats 1 --pack 2 --scale 0.01"; BENCH_MODELS="small"; PROFILE=quick; DONE_STEPS=200
  SWEEP_GRID="--grid beta=0.5,2 --grid kappa=2,4 --grid d=5 --grid r=2 --grid n=200 --grid steps=40 --seeds 0-1"; T_SWEEP=120
  T_TESTS=120; T_BENCH=300; T_DONE=60; T_REPORT=${T_REPORT:-900}; SPLIT_FROM=${SPLIT_FROM-}; BUDGET=${BUDGET:-3600}
else
  BENCH_ARGS="--repeats 3 --pack 64"; BENCH_MODELS="small large"; PROFILE=full; DONE_STEPS=20000
  SWEEP_GRID="--grid beta=0.5,1,2 --grid kappa=4,8 --grid d=20 --grid r=3 --grid n=10000 --grid steps=2000 --seeds 0-9"; T_SWEEP=120
  T_TESTS=90; T_BENCH=75; T_DONE=60; T_REPORT=${T_REPORT:-360}; SPLIT_FROM=${SPLIT_FROM-docs/results/full}; BUDGET=${BUDGET:-570}
fi
{ date -u; uptime; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null;
  python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)";
  python3 -c "import flint; print('python-flint', flint.__version__)" 2>&1 | tail -n 1;
  python3 -c "import cvxpy; print('cvxpy', cvxpy.__version__, cvxpy.installed_solvers())" 2>&1 | tail -n 1;
  python3 -c "
from infgrad.models.data import DataError, find_idx_dir
for name in ('fashion-mnist', 'mnist'):
    try:
        print(name, find_idx_dir(name))
    except DataError as exc:
        print(name, 'ABSENT:', exc)"; } > "$OUT/machine.txt" 2>&1
cat "$OUT/machine.txt"

cap() {  # SECONDS: that, or what is left of BUDGET less 20 s for the packing, whichever is less; at
  # least 1 (`timeout 0` would mean no limit)
  local left=$((START + BUDGET - 20 - $(date +%s)))
  left=$(($1 < left ? $1 : left))
  echo $((left > 1 ? left : 1))
}

fresh_then_whole() {  # DIR LOG [CLAIM ...]: the claims (none named: all) fresh into DIR; then, when
  # some were named and DIR started as a copy of $SPLIT_FROM, one report of all DIR holds, the other
  # checks reused; returns the last non-zero exit status (1: a claim fails)
  local dir=$1 log=$2 rc=0 whole=0
  shift 2
  local only=(); [ $# -gt 0 ] && only=(--claim "$@")
  [ $# -gt 0 ] && [ -n "$SPLIT_FROM" ] && whole=40   # seconds kept for the second report
  local t=$(($(cap $((T_REPORT + whole))) - whole))
  timeout "$((t > 1 ? t : 1))" python3 -m infgrad report --profile "$PROFILE" --device "$DEVICE" --out "$dir" --fresh \
    "${only[@]}" >> "$log" 2>&1 || rc=$?
  if [ "$whole" -gt 0 ] && [ "$rc" -ne 124 ]; then   # timed out: the rest would start afresh, not finish
    timeout "$(cap 40)" python3 -m infgrad report --profile "$PROFILE" --device "$DEVICE" --out "$dir" >> "$log" 2>&1 || rc=$?
  fi
  return "$rc"
}

stage() {  # one stage; its line (exit status, wall time, load) goes to report.txt
  local stage=$1 rc=0 start end
  if [ "$(cap 10)" -lt 10 ]; then
    echo "stage $stage: skipped, under 10 s left of BUDGET=$BUDGET s" | tee -a "$OUT/report.txt"
    return
  fi
  start=$(date +%s.%N)
  case $stage in
    tests)
      timeout "$(cap "$T_TESTS")" python3 -m pytest -q -m gpu -p no:cacheprovider $GPU_TESTS -rA -s \
        > "$OUT/gpu_tests.txt" 2>&1; rc=$?
      tail -n 25 "$OUT/gpu_tests.txt" ;;
    bench)  # a process per model, so that one running out of time loses only its own rows
      local model
      for model in $BENCH_MODELS; do
        timeout "$(cap "$T_BENCH")" python3 -m benchmarks.run --only trainer --device "$DEVICE" $BENCH_ARGS --models "$model" \
          --json "$OUT/trainer_$model.json" --markdown "$OUT/trainer_$model.md" > "$OUT/bench_$model.txt" 2>&1 || rc=$?
        cat "$OUT/trainer_$model.md" 2>/dev/null || tail -n 20 "$OUT/bench_$model.txt"
      done ;;
    done)
      timeout "$(cap "$T_DONE")" python3 -m infgrad train --data subspace --d 20 --r 3 --kappa 8 --steps "$DONE_STEPS" \
        --seed 0 --device "$DEVICE" --json "$OUT/done_means.json" > "$OUT/done_means.txt" 2>&1; rc=$?
      tail -n 3 "$OUT/done_means.txt" ;;
    report)  # every claim fresh; T17 needs cvxpy: without it, T17 is taken from $SPLIT_FROM
      rm -rf "$OUT/report"; : > "$OUT/report_log.txt"
      local claims=()
      if ! python3 -c "import cvxpy" 2> /dev/null && [ -n "$SPLIT_FROM" ]; then
        mkdir -p "$OUT/report/claims" "$OUT/report/data"
        cp "$SPLIT_FROM/claims/T17.json" "$OUT/report/claims/" && cp "$SPLIT_FROM/data/t17_smoothing.json" "$OUT/report/data/"
        read -r -a claims <<< "$(python3 -c "from infgrad.proofs_check.claims import CLAIMS; print(*(c for c in CLAIMS if c != 'T17'))")"
        echo "no cvxpy: T17 reused from $SPLIT_FROM" > "$OUT/report_log.txt"
      fi
      fresh_then_whole "$OUT/report" "$OUT/report_log.txt" "${claims[@]}" || rc=$?
      tail -n 40 "$OUT/report_log.txt" ;;
    sweep)
      rm -rf "$OUT/sweep"
      timeout "$(cap "$T_SWEEP")" python3 -m infgrad sweep $SWEEP_GRID --device "$DEVICE" --out "$OUT/sweep" \
        > "$OUT/sweep.txt" 2>&1; rc=$?
      tail -n 8 "$OUT/sweep.txt" ;;
    split)
      rm -rf "$OUT/full"; : > "$OUT/split_log.txt"
      if [ -n "$SPLIT_FROM" ]; then cp -r "$SPLIT_FROM" "$OUT/full"; fi
      fresh_then_whole "$OUT/full" "$OUT/split_log.txt" T12 T13 T15 T16 || rc=$?
      tail -n 40 "$OUT/split_log.txt" ;;
    *) echo "unknown stage $stage"; rc=2 ;;
  esac
  end=$(date +%s.%N)
  echo "stage $stage: exit $rc, $(python3 -c "print(f'{$end - $start:.1f}')") s wall, load $(cut -d' ' -f1-3 /proc/loadavg)" \
    | tee -a "$OUT/report.txt"
}

for token in $STAGES; do
  IFS=+ read -r -a together <<< "$token"
  if [ "${#together[@]}" -eq 1 ]; then stage "$token"; continue; fi
  for s in "${together[@]}"; do stage "$s" > "$OUT/stage_$s.out" 2>&1 & done
  wait
  for s in "${together[@]}"; do cat "$OUT/stage_$s.out"; done
done

# The device tool brings back at most 8 files from $OUT (a session of 2026-11-27 lost its report
# folders that way): everything but machine.txt and report.txt goes into session.tgz.
if [ -n "$STAGES" ]; then
  (cd "$OUT" && find . -mindepth 1 -maxdepth 1 ! -name machine.txt ! -name report.txt ! -name session.tgz \
     -printf '%P\n' | tar czf session.tgz --remove-files -T -)
  echo "bundled into $OUT/session.tgz: $(tar tzf "$OUT/session.tgz" | wc -l) entries"
fi

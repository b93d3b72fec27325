#!/bin/bash
# alternate old (16a3f17) and new (this branch) harness runs, one repeat each, 3 rounds
# /tmp/wte/old held `git archive 16a3f17` with its own venv (pip install --no-deps -e .); /work/wte was branch je at 8ae15d1
out=/tmp/wte/bench; mkdir -p $out
export OMP_NUM_THREADS=1
for r in 1 2 3; do
  for side in new old; do
    if [ $side = new ]; then dir=/work/wte; else dir=/tmp/wte/old; fi
    echo "$side round $r start $(date -u +%H:%M:%S) $(uptime)" >> $out/log
    (cd $dir && timeout 900 .venv/bin/python -m benchmarks.run --only trainer --device cpu --repeats 1 --pack 64 --threads 1 --json $out/${side}_$r.json > $out/${side}_$r.txt 2>&1)
    echo "$side round $r end $(date -u +%H:%M:%S) rc=$? $(uptime)" >> $out/log
  done
done
echo done >> $out/log

"""Trim a report's saved data for the figure tests: every list cut to its first K items, floats to 6
significant digits (lists of one length keep one length).

Usage: python3 tests/figures/trim_saved_data.py SRC.json DST.json
"""
import json
import sys

K = 12


def trim(v):
    if isinstance(v, dict):
        return {k: trim(x) for k, x in v.items()}
    if isinstance(v, list):
        return [trim(x) for x in v[:K]]
    if isinstance(v, float):
        return float(f"{v:.6g}")
    return v


if __name__ == "__main__":
    src, dst = sys.argv[1:3]
    json.dump(trim(json.load(open(src))), open(dst, "w"), separators=(",", ":"))

#!/usr/bin/env python3
"""Times a command: one uncounted warm-up run, then RUNS runs; prints the median run's wall
time in seconds (to the millisecond) and its peak resident memory in KiB.

Wall time comes from a monotonic clock around the child alone, and peak memory from the
child's own resource usage (wait4, as GNU time reads it), so no helper process (`date`,
`time`) is counted in the tool's time: at a few hundredths of a second, forking two of them
per run would add several percent to idrift's time and nothing measurable to Semgrep's.
Usage: measure.py RUNS COMMAND [ARG...]
"""
import os
import subprocess
import sys
import time


def run_once(command):
    with open(os.devnull, "wb") as null:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=null, stderr=null)
        _, _, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
    child.returncode = 0  # reaped by wait4 above; findings make the tools exit non-zero
    return wall, usage.ru_maxrss


def main():
    runs = int(sys.argv[1])
    command = sys.argv[2:]
    run_once(command)
    results = sorted(run_once(command) for _ in range(runs))
    wall, peak_kib = results[(len(results) - 1) // 2]
    print(f"{wall:.3f} {peak_kib}")


if __name__ == "__main__":
    main()

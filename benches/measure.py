#!/usr/bin/env python3
"""Times commands side by side: one uncounted warm-up run of each, then RUNS rounds in which
every command runs once, in turn; prints, on one line, each command's median wall time in
seconds (to the millisecond) and the peak resident memory of that run in KiB.

Interleaving the commands round by round spreads each tool's runs over the same minutes, so
a slow spell of a shared machine weighs on every tool alike: timing one tool's five runs (a
third of a second for idrift) and then another's (fifteen seconds for Semgrep) would let a
single spell decide a ratio. Wall time comes from a monotonic clock around the child alone,
and peak memory from the child's own resource usage (wait4, as GNU time reads it), so no
helper process (`date`, `time`) is counted in a tool's time.
Usage: measure.py RUNS -- COMMAND [ARG...] [-- COMMAND [ARG...]]...
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


def commands_of(args):
    commands, current = [], None
    for arg in args:
        if arg == "--":
            current = []
            commands.append(current)
        elif current is None:
            sys.exit("usage: measure.py RUNS -- COMMAND [ARG...] [-- COMMAND...]")
        else:
            current.append(arg)
    return [c for c in commands if c]


def main():
    runs = int(sys.argv[1])
    commands = commands_of(sys.argv[2:])
    for command in commands:
        run_once(command)
    results = [[] for _ in commands]
    for _ in range(runs):
        for i, command in enumerate(commands):
            results[i].append(run_once(command))
    medians = []
    for runs_of_one in results:
        wall, peak_kib = sorted(runs_of_one)[(len(runs_of_one) - 1) // 2]
        medians.append(f"{wall:.3f} {peak_kib}")
    print(" ".join(medians))


if __name__ == "__main__":
    main()

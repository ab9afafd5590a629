#!/usr/bin/env python3
"""Times commands against each other: bench/measure.py RUNS NAME=COMMAND...

Runs every command RUNS times after one warm-up run, interleaved (round r
runs the commands in turn, starting with a different one each round), so
that a shared machine's changing load falls on all of them alike. Each run's
wall time is measured around fork/exec/wait, and its peak RSS is the
ru_maxrss that wait4 reports for it (the figure GNU time prints as %M).
Output is stdout redirected to /dev/null.

Prints one line per command: NAME MEDIAN_SECONDS MEDIAN_PEAK_RSS_KB.
"""
import os
import shlex
import statistics
import subprocess
import sys
import time


def run_once(argv):
    """Runs argv; returns (wall seconds, peak RSS in KB). Exits on failure."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"measure: {shlex.join(argv)} exited with {proc.returncode}")
    return wall, usage.ru_maxrss


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    runs = int(sys.argv[1])
    commands = [arg.split("=", 1) for arg in sys.argv[2:]]
    commands = [(name, shlex.split(cmd)) for name, cmd in commands]

    for _, argv in commands:  # warm-up: page cache, dynamic linker
        run_once(argv)
    walls = {name: [] for name, _ in commands}
    rss = {name: [] for name, _ in commands}
    for r in range(runs):
        for i in range(len(commands)):
            name, argv = commands[(r + i) % len(commands)]
            wall, peak = run_once(argv)
            walls[name].append(wall)
            rss[name].append(peak)
    for name, _ in commands:
        print(name, statistics.median(walls[name]), statistics.median(rss[name]))


if __name__ == "__main__":
    main()

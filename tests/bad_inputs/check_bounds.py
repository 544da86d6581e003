#!/usr/bin/env python3
"""Runs one command and checks what it cost: its exit code, its CPU time and
its peak resident memory (the child's ru_maxrss), against the given bounds.

  check_bounds.py --exit 2 --cpu-s 1 --rss-mb 100 -- storefuse config show --config bomb.yaml

CPU time rather than wall time, so that a test run beside others on a busy
machine measures the command and not the queue for the CPU."""
import argparse
import resource
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--exit", type=int, required=True, help="expected exit code")
    ap.add_argument("--cpu-s", type=float, required=True, help="most CPU seconds (user + system)")
    ap.add_argument("--rss-mb", type=float, required=True, help="most peak resident memory, MB (10^6 bytes)")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not cmd:
        ap.error("no command given")
    start = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    wall = time.monotonic() - start
    use = resource.getrusage(resource.RUSAGE_CHILDREN)  # the one child this process waited for
    cpu = use.ru_utime + use.ru_stime
    rss_mb = use.ru_maxrss * 1024 / 1e6  # Linux reports kilobytes
    print("exit %d, %.2f s CPU, %.2f s wall, peak RSS %.1f MB" % (p.returncode, cpu, wall, rss_mb))
    problems = []
    if p.returncode != a.exit:
        problems.append("exit code %d, expected %d" % (p.returncode, a.exit))
    if cpu > a.cpu_s:
        problems.append("%.2f s of CPU, more than %g s" % (cpu, a.cpu_s))
    if rss_mb > a.rss_mb:
        problems.append("peak RSS %.1f MB, more than %g MB" % (rss_mb, a.rss_mb))
    if problems:
        print("FAILED: " + "; ".join(problems) + "\n--- output:\n" + p.stdout.decode(errors="replace"))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

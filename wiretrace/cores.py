"""How many cores this process may use (its CPU affinity, which containers and taskset narrow)."""

import os


def usable_cores() -> int:
    return len(os.sched_getaffinity(0))

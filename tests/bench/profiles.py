"""Summarise py-spy's collapsed stacks: where the samples were, by function.

    .venv/bin/python -m tests.bench.profiles test-artifacts/profiles/ack-link.txt [TOP]

Prints the functions holding the most samples inclusively (anywhere on the stack) and
exclusively (at the top), as shares of all samples; idle samples are counted apart.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

IDLE = ("select (selectors.py", "epoll", "_run_once", "wait (threading.py", "sleep")


def summarise(path: Path, top: int = 25) -> str:
    inclusive: Counter[str] = Counter()
    exclusive: Counter[str] = Counter()
    total = idle = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue  # a frame's text may hold a line break: its tail is not a sample
        n = int(count)
        frames = [
            f.split(" (")[0] + " (" + f.split(" (")[1].split(":")[0] + ")" if " (" in f else f
            for f in stack.split(";")
        ]
        total += n
        if any(marker in stack.rsplit(";", 1)[-1] for marker in IDLE):
            idle += n
            continue
        exclusive[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    busy = total - idle
    out = [f"{path.name}: {total} samples, {busy} busy ({100 * busy / max(total, 1):.0f} %)"]
    out.append("inclusive (share of busy samples):")
    out += [f"  {100 * n / max(busy, 1):5.1f} %  {name}" for name, n in inclusive.most_common(top)]
    out.append("exclusive:")
    out += [f"  {100 * n / max(busy, 1):5.1f} %  {name}" for name, n in exclusive.most_common(top)]
    return "\n".join(out)


def main() -> None:
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    print(summarise(Path(sys.argv[1]), top))


if __name__ == "__main__":
    main()

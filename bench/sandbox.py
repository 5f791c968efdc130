"""Sandbox bench: the seed snippets run cold (`python snippet.py`) vs in the warm pool.

All figures come from one run on this machine, so the ratio compares like with like:

* cold: a fresh `python -I snippet.py` per run (imports torch every time), no isolation;
* warm: `Sandbox.run` back to back, every job forked from the zygote and fully isolated
  (namespaces, read-only root, cgroups, uid drop, no_new_privs, seccomp);
* throughput: several threads submitting at once, jobs completed per second.

Snippets are every `code:` block of challenges/ (the seeds). The bench refuses to report
warm figures unless isolation is full.

    python bench/sandbox.py [--cold 3] [--warm 200] [--jobs 400] [--threads 4] [--pool 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.sandbox.client import Sandbox  # noqa: E402
from app.sandbox.protocol import SandboxLimits, SnippetJob  # noqa: E402


def seed_snippets() -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "code" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted((ROOT / "challenges").rglob("*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def cold(snippets: list[str], rounds: int) -> list[float]:
    """A new interpreter per run, with the thread settings the zygote uses."""
    env = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PATH": os.defpath}
    samples = []
    with tempfile.TemporaryDirectory() as scratch:
        files = []
        for n, code in enumerate(snippets):
            path = Path(scratch) / f"snippet_{n}.py"
            path.write_text(code)
            files.append(path)
        for _ in range(rounds):
            for path in files:
                samples.append(
                    timed(
                        lambda p=path: subprocess.run(  # type: ignore[misc]
                            [sys.executable, "-I", str(p)],
                            env=env,
                            capture_output=True,
                            check=False,  # some seeds raise on purpose (`raises:`)
                        )
                    )
                )
    return samples


def cycle(snippets: list[str], count: int) -> Iterator[SnippetJob]:
    for n in range(count):
        yield SnippetJob(snippets[n % len(snippets)])


def warm(box: Sandbox, snippets: list[str], count: int) -> list[float]:
    samples = []
    for job in cycle(snippets, count):
        samples.append(timed(lambda j=job: _ran(box.run(j))))  # type: ignore[misc]
    return samples


def throughput(
    box: Sandbox, snippets: list[str], count: int, threads: int
) -> tuple[float, list[float]]:
    jobs = list(cycle(snippets, count))
    samples: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                if not jobs:
                    return
                job = jobs.pop()
            took = timed(lambda j=job: _ran(box.run(j)))  # type: ignore[misc]
            with lock:
                samples.append(took)

    started = time.perf_counter()
    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return count / (time.perf_counter() - started), samples


def cpu_ms(box: Sandbox) -> float:
    """CPU used so far by this process, the zygote and the job processes it reaped."""
    with open(f"/proc/{box.zygote_pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    zygote_ticks = sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    own = resource.getrusage(resource.RUSAGE_SELF)
    return zygote_ticks * 1000 / os.sysconf("SC_CLK_TCK") + (own.ru_utime + own.ru_stime) * 1000


def _ran(result: Any) -> None:
    # "error" is a normal outcome: some seeds raise on purpose (`raises:` in the YAML).
    if result.status not in ("ok", "error"):
        raise SystemExit(f"a seed snippet did not run to its end: {result}")


def line(label: str, samples: list[float]) -> str:
    return (
        f"{label:<34} p50 {percentile(samples, 0.5):8.1f} ms   "
        f"p99 {percentile(samples, 0.99):8.1f} ms   (n={len(samples)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", type=int, default=3, help="rounds over the snippets, cold")
    parser.add_argument("--warm", type=int, default=200, help="warm jobs, one at a time")
    parser.add_argument("--jobs", type=int, default=400, help="jobs for the throughput run")
    parser.add_argument("--threads", type=int, default=4, help="submitting threads")
    parser.add_argument("--pool", type=int, default=2, help="jobs that run at once")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    snippets = seed_snippets()
    print(f"{len(snippets)} seed snippets; {os.cpu_count()} cores")
    cold_samples = cold(snippets, args.cold)
    with Sandbox(SandboxLimits(), pool_size=args.pool) as box:
        report = box.isolation_report()
        if not report.full:
            raise SystemExit("isolation is not full: " + "; ".join(report.reasons))
        time.sleep(1)  # let the pool fill, as it is between requests in service
        warm(box, snippets, 20)  # first jobs of each identity
        warm_samples = warm(box, snippets, args.warm)
        cpu_before = cpu_ms(box)
        rate, loaded = throughput(box, snippets, args.jobs, args.threads)
        time.sleep(0.5)  # the last job processes are reaped
        per_job = (cpu_ms(box) - cpu_before) / args.jobs
    print(line("cold  python -I snippet.py", cold_samples))
    print(line("warm  Sandbox.run, fully isolated", warm_samples))
    print(line(f"load  {args.threads} threads, pool {args.pool}", loaded))
    ratio = statistics.median(cold_samples) / statistics.median(warm_samples)
    print(f"cold/warm p50 ratio  {ratio:.0f}x")
    print(f"throughput           {rate:.1f} jobs/s ({args.threads} threads, pool {args.pool})")
    cores = os.cpu_count() or 1
    print(
        f"cpu per job          {per_job:.1f} ms (server + zygote + job process), "
        f"a ceiling of {cores * 1000 / per_job:.0f} jobs/s on {cores} idle cores"
    )
    print(f"load average before  {load_before:.1f} (other work on the machine)")


if __name__ == "__main__":
    main()

"""What the terminal shows while ``infgrad report`` runs its checks.

- The symbolic and exact checks (seconds each on an idle machine: 0.1-4.4 s in the quick profile)
  run first, as one batch, so their verdicts print within seconds; then the empirical ones.
- On a terminal, a rich progress bar names the checks running; each finished check prints a line.
- Without a terminal (a log file, CI), a heartbeat line at least every ``HEARTBEAT_S`` seconds
  names the checks still running and how long the run has taken, so no silence is longer.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Callable, Sequence, TextIO

from ..claims.model import CheckContext, ClaimResult

HEARTBEAT_S = 25.0  # under the promised 30 s, whatever the scheduling jitter
FAST_METHODS = ("symbolic", "exact")


class Heartbeat:
    """A daemon thread that writes ``status()`` every ``interval`` seconds until stopped (an Event
    wait, so ``stop`` ends it at once)."""

    def __init__(self, status: Callable[[], str], write: Callable[[str], None], interval: float = HEARTBEAT_S):
        self.status, self.write, self.interval = status, write, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="infgrad-heartbeat", daemon=True)

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            self.write(self.status())

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _clock(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    return f"{m}m{s:02d}s" if m else f"{s}s"


class Tracker:
    """Which checks are running and how many are done, for the progress display and the heartbeat."""

    def __init__(self, total: int, echo: Callable[[str], None]):
        self.total, self.echo = total, echo
        self.running: list[str] = []
        self.done = 0
        self.start = time.perf_counter()
        self.lock = threading.Lock()

    def started(self, spec) -> None:
        with self.lock:
            self.running.append(spec.name)

    def finished(self, spec, got: Sequence[ClaimResult]) -> None:
        with self.lock:
            if spec.name in self.running:
                self.running.remove(spec.name)
            self.done += 1
        verdicts = ", ".join(f"{r.claim} {r.status}" for r in got)
        self.echo(f"  {spec.name}: {verdicts} ({sum(r.seconds for r in got):.1f} s)")

    def status(self) -> str:
        with self.lock:
            running = ", ".join(self.running) or "none"
            return (f"... {self.done}/{self.total} checks done after {_clock(time.perf_counter() - self.start)}; "
                    f"running: {running}")


def in_order(specs: Sequence, batches: Sequence[Sequence], results: Sequence[Sequence[ClaimResult]]) -> list[ClaimResult]:
    """The results of the batches back in the order of ``specs`` (the registry's): each result goes
    to the first check of its batch that covers its claim by its method (else its claim)."""
    place = {s.name: i for i, s in enumerate(specs)}
    keyed = []
    for batch, got in zip(batches, results):
        for n, r in enumerate(got):
            owner = next((s for s in batch if r.claim in s.claims and s.method == r.method), None) or next(
                (s for s in batch if r.claim in s.claims), None)
            keyed.append(((place[owner.name] if owner else len(specs)), len(keyed), r))
    return [r for _, _, r in sorted(keyed, key=lambda k: k[:2])]


def run_checks(specs: Sequence, ctx: CheckContext, *, reuse: bool, quiet: bool, workers: int,
               err: TextIO | None = None, backend: str = "local", address: str = "auto") -> list[ClaimResult]:
    """Run the checks, symbolic and exact first; progress on ``err`` (stderr) unless ``quiet``.
    ``backend`` and ``address``: where the checks run (:func:`claims.registry.run_checks`)."""
    from functools import partial

    from ..claims import registry

    run = partial(registry.run_checks, ctx=ctx, reuse=reuse, workers=workers, backend=backend, address=address)
    fast = [s for s in specs if s.method in FAST_METHODS]
    batches = ([fast] if fast else []) + [[s for s in specs if s.method not in FAST_METHODS]]
    err = err or sys.stderr
    if quiet:
        return in_order(specs, batches, [run(b) for b in batches])
    if not err.isatty():
        tracker = Tracker(len(specs), lambda line: print(line, file=err, flush=True))
        with Heartbeat(tracker.status, lambda line: print(line, file=err, flush=True)):
            got = [run(b, on_start=tracker.started, on_done=tracker.finished) for b in batches]
        return in_order(specs, batches, got)
    return _with_bar(specs, batches, run, err=err)


def _with_bar(specs, batches, run: Callable[..., list[ClaimResult]], *, err: TextIO) -> list[ClaimResult]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=Console(file=err), transient=False) as progress:
        task = progress.add_task("starting", total=len(specs))
        tracker = Tracker(len(specs), progress.console.print)

        def started(spec):
            tracker.started(spec)
            progress.update(task, description=", ".join(tracker.running))

        def done(spec, got):
            tracker.finished(spec, got)
            progress.advance(task)
            progress.update(task, description=", ".join(tracker.running) or "checks done")

        got = [run(b, on_start=started, on_done=done) for b in batches]
        progress.update(task, description="checks done")
    return in_order(specs, batches, got)

"""Timing: rounds after warm-up, ours and the baseline interleaved, medians and p99; one row per comparison."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field


@dataclass
class Row:
    """One line of the table: a figure of ours, its baseline's, and the ratio against the target.

    ratio is ours/baseline unless `inverse` (baseline/ours, for "the naive build is N times slower").
    """

    scenario: str
    what: str
    ours: float
    baseline: float | None = None
    unit: str = "ms"
    ratio: float | None = None
    target: str = ""  # e.g. "<= 2.0", ">= 3", "== 1"
    met: bool | None = None
    notes: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def check(ratio: float, target: str) -> bool:
    operator, bound = target.split()
    bound = float(bound)
    return {"<=": ratio <= bound, ">=": ratio >= bound, "==": ratio == bound}[operator]


def compared(scenario: str, what: str, ours: float, baseline: float, target: str, *, unit: str = "ms",
             inverse: bool = False, **notes) -> Row:  # fmt: skip
    ratio = baseline / ours if inverse else ours / baseline
    return Row(scenario, what, round(ours, 3), round(baseline, 3), unit, round(ratio, 2), target, check(ratio, target),
               notes)  # fmt: skip


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@dataclass
class Timing:
    samples: list[float]  # milliseconds

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p99(self) -> float:
        return percentile(self.samples, 0.99)


def interleaved(calls: dict[str, Callable[[], object]], *, rounds: int, warmup: int) -> dict[str, Timing]:
    """Time each call `rounds` times after `warmup` untimed rounds, taking turns so that the machine's noise
    falls on all of them alike."""
    for _ in range(warmup):
        for call in calls.values():
            call()
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            started = time.perf_counter()
            call()
            samples[name].append((time.perf_counter() - started) * 1000)
    return {name: Timing(values) for name, values in samples.items()}

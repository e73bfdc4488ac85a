"""Run every benchmark: `python -m bench [name ...]`."""

from __future__ import annotations

import sys

from bench import (
    ask,
    ask_overhead,
    assets,
    catalog,
    conversations,
    dashboard,
    first_run,
    isolation,
    lineage,
    load,
    onboarding,
    onboarding_latency,
    paraphrases,
    quotas,
    registration,
    retrieval,
    search,
    semantic_layer,
    steady_state,
    trust,
)

BENCHMARKS = {
    "registration": registration.main,
    "catalog": catalog.main,
    "search": search.main,
    "assets": assets.main,
    "onboarding": onboarding.main,
    "onboarding_latency": onboarding_latency.main,
    "ask": ask.main,
    "ask_overhead": ask_overhead.main,
    "isolation": isolation.main,
    "retrieval": retrieval.main,
    "paraphrases": paraphrases.main,
    "lineage": lineage.main,
    "quotas": quotas.main,
    "load": load.main,
    "dashboard": dashboard.main,
    "semantic_layer": semantic_layer.main,
    "steady_state": steady_state.main,
    "trust": trust.main,
    "conversations": conversations.main,
    "first_run": first_run.main,
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; choose from {list(BENCHMARKS)}", file=sys.stderr)
        return 2
    for name in names:
        BENCHMARKS[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

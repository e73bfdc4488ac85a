"""Paraphrase reuse on the written question pairs (hugdata.evaluation.paraphrases): a threshold sweep on the tuning
half (precision must be 1.0), then the chosen threshold on the tuning and the held-out halves."""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.harness import write_report
from hugdata.catalog.embeddings import MiniLMEmbedder
from hugdata.evaluation.paraphrase_eval import demo_values, evaluate, pair_similarities
from hugdata.evaluation.paraphrases import held_out_pairs, tuning_pairs
from hugdata.memory.paraphrases import REUSE_THRESHOLD


def main() -> None:
    embedder = MiniLMEmbedder()
    with tempfile.TemporaryDirectory() as tmp:
        values = demo_values(Path(tmp))
    tuning, held_out = tuning_pairs(), held_out_pairs()
    tuning_sims, held_sims = pair_similarities(tuning, embedder), pair_similarities(held_out, embedder)
    sweep = []
    for step in range(50, 100, 2):
        report = evaluate(tuning, tuning_sims, values, threshold=step / 100)
        sweep.append({"threshold": step / 100, "precision": report.precision, "hit_rate": report.hit_rate})
    write_report(
        "paraphrases",
        {
            "threshold": REUSE_THRESHOLD,
            "tuning_sweep": sweep,
            "tuning": evaluate(tuning, tuning_sims, values, threshold=REUSE_THRESHOLD).as_json(),
            "held_out": evaluate(held_out, held_sims, values, threshold=REUSE_THRESHOLD).as_json(),
        },
    )

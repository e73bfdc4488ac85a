"""How paraphrase reuse does on the written question pairs: which pairs it would reuse at a threshold, its
precision (every reuse must be a pair with the same answer) and its hit rate (reuses among the same-answer pairs)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine

from hugdata.catalog.embeddings import Embedder
from hugdata.catalog.introspect import introspect_schema
from hugdata.catalog.profiling import profile_source
from hugdata.catalog.semantic import build_semantic_model
from hugdata.demo.seed import DEMO_TENANTS, build_demo_database
from hugdata.evaluation.paraphrases import QuestionPair
from hugdata.memory.paraphrases import column_values, may_reuse


@dataclass
class PairReport:
    threshold: float
    same_pairs: int = 0
    different_pairs: int = 0
    reused_same: int = 0
    reused_different: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        fired = self.reused_same + len(self.reused_different)
        return round(self.reused_same / fired, 4) if fired else None

    @property
    def hit_rate(self) -> float:
        return round(self.reused_same / self.same_pairs, 4) if self.same_pairs else 0.0

    def as_json(self) -> dict[str, object]:
        return {
            "threshold": self.threshold,
            "same_pairs": self.same_pairs,
            "different_pairs": self.different_pairs,
            "reused_same": self.reused_same,
            "reused_different": self.reused_different,
            "precision": self.precision,
            "hit_rate": self.hit_rate,
        }


def demo_values(folder: Path) -> dict[str, set[str]]:
    """Each demo tenant's sampled column values, from its catalog built as the platform builds it."""
    values = {}
    for tenant in DEMO_TENANTS:
        engine = create_engine(f"sqlite:///{build_demo_database(tenant, folder)}")
        try:
            snapshot = profile_source(engine, introspect_schema(engine, dialect="sqlite", include=[], exclude=[]))
        finally:
            engine.dispose()
        values[tenant.project_id] = column_values(build_semantic_model(snapshot))
    return values


def pair_similarities(pairs: Sequence[QuestionPair], embedder: Embedder) -> list[float]:
    """Cosine similarity of each pair's two questions (the vectors are unit length)."""
    return [float(v[0] @ v[1]) for v in (embedder.embed([p.asked, p.new]) for p in pairs)]


def evaluate(
    pairs: Sequence[QuestionPair], similarities: Sequence[float], values: dict[str, set[str]], *, threshold: float
) -> PairReport:
    """Which pairs reuse would fire on at ``threshold``, and whether each was right to."""
    report = PairReport(threshold=threshold)
    for pair, similarity in zip(pairs, similarities, strict=True):
        fires = may_reuse(pair.asked, pair.new, similarity, values=values[pair.tenant], threshold=threshold)
        if pair.same:
            report.same_pairs += 1
            report.reused_same += fires
        else:
            report.different_pairs += 1
            if fires:
                report.reused_different.append(f"{pair.asked} -> {pair.new}")
    return report

"""The model every answer reads: the inferred model with the project's curated layer laid over it, less the entries
a schema sync made stale since the layer was last written."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hugdata.catalog.semantic import SemanticModel
from hugdata.semantic_layer.apply import curated_model
from hugdata.semantic_layer.store import current_layer, drift_stale_paths


def model_in_force(session: Session, project_id: str, model: SemanticModel) -> SemanticModel:
    """``model`` curated by the project's layer in force (stale entries left out)."""
    layer = current_layer(session, project_id)
    return curated_model(model, layer.document, stale=drift_stale_paths(session, project_id, layer))

"""The model every answer reads: the inferred model with the project's curated layer laid over it, less the entries
a schema sync made stale since the layer was last written; remembered per project while none of that changes."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import NamedTuple

from sqlalchemy.orm import Session

from hugdata.catalog.semantic import SemanticModel
from hugdata.catalog.store import latest_semantic_model
from hugdata.memory.recent import RecentProjects
from hugdata.semantic_layer.apply import curated_model
from hugdata.semantic_layer.store import current_layer, drift_stale_paths


def model_in_force(session: Session, project_id: str, model: SemanticModel) -> SemanticModel:
    """``model`` curated by the project's layer in force (stale entries left out)."""
    layer = current_layer(session, project_id)
    return curated_model(model, layer.document, stale=drift_stale_paths(session, project_id, layer))


class ModelVersions(NamedTuple):
    """What the model in force is made of: the registration, the newest model row (replaced in place when rebuilt,
    so its time counts too), the layer's version and the newest schema version (whose sync may make layer entries
    stale). ``model_version`` is None before the project's first semantic model."""

    project_id: str
    registered_at: datetime
    model_version: int | None
    model_at: datetime | None
    layer_version: int
    schema_version: int


# The four versions as columns of a statement about one project (the ask reads them with its data source).
MODEL_VERSIONS_SQL = (
    "(SELECT max(schema_version) FROM semantic_models WHERE project_id = %(project_id)s), "
    "(SELECT created_at FROM semantic_models WHERE project_id = %(project_id)s "
    "ORDER BY schema_version DESC LIMIT 1), "
    "(SELECT coalesce(max(version), 0) FROM semantic_layers WHERE project_id = %(project_id)s), "
    "(SELECT coalesce(max(version), 0) FROM schema_snapshots WHERE project_id = %(project_id)s)"
)


class ModelsInForce:
    """The model in force per project, parsed and curated once per version of what makes it: an ask reads the
    version numbers with its other reads instead of the model's JSON, the layer and its drift. Bounded: the least
    recently asked projects are forgotten first."""

    def __init__(self, capacity: int = 512) -> None:
        self._models: RecentProjects[tuple[ModelVersions, int, SemanticModel]] = RecentProjects(capacity)

    def model_for(
        self, versions: ModelVersions, session: Callable[[], AbstractContextManager[Session]]
    ) -> tuple[int, SemanticModel] | None:
        """The schema version and model in force that ``versions`` describe; read (in ``session()``) and curated
        only when they are not the ones remembered. None before the project's first semantic model."""
        if versions.model_version is None:
            return None
        found = self._models.get(versions.project_id)
        if found is not None and found[0] == versions:
            return found[1], found[2]
        with session() as opened:
            latest = latest_semantic_model(opened, versions.project_id)
            if latest is None:
                return None
            model = model_in_force(opened, versions.project_id, latest[1])
        if latest[0] == versions.model_version:  # else a newer model landed meanwhile: remembered at the next ask
            self._models.put(versions.project_id, (versions, latest[0], model))
        return latest[0], model


MODELS_IN_FORCE = ModelsInForce()

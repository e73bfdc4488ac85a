"""The model every answer reads: the inferred model with the project's curated layer laid over it, less the entries
a schema sync made stale since the layer was last written; remembered per project while none of that changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hugdata.catalog.models import SchemaSnapshotRow, SemanticModelRow
from hugdata.catalog.semantic import SemanticModel
from hugdata.catalog.store import latest_semantic_model
from hugdata.memory.recent import RecentProjects
from hugdata.semantic_layer.apply import curated_model
from hugdata.semantic_layer.store import SemanticLayerRow, current_layer, drift_stale_paths
from hugdata.tenants.errors import ProjectNotFound
from hugdata.tenants.models import Project


def model_in_force(session: Session, project_id: str, model: SemanticModel) -> SemanticModel:
    """``model`` curated by the project's layer in force (stale entries left out)."""
    layer = current_layer(session, project_id)
    return curated_model(model, layer.document, stale=drift_stale_paths(session, project_id, layer))


# What the model in force is made of: the registration, the newest model row (replaced in place when rebuilt, so
# its time counts too), the layer's version and the newest schema version (whose sync may make layer entries stale).
_Versions = tuple[str, datetime, int, datetime, int, int]


class ModelsInForce:
    """The model in force per project, parsed and curated once per version of what makes it: an ask reads the
    project with the version numbers in one statement instead of the model's JSON, the layer and its drift.
    Bounded: the least recently asked projects are forgotten first."""

    def __init__(self, capacity: int = 512) -> None:
        self._models: RecentProjects[tuple[_Versions, int, SemanticModel]] = RecentProjects(capacity)

    def project_and_model(self, session: Session, project_id: str) -> tuple[Project, tuple[int, SemanticModel] | None]:
        """The project (with its data source) and its schema version and model in force, None before its first
        semantic model: one statement when the model is remembered. ``ProjectNotFound`` for an unknown project."""
        model_row = select(SemanticModelRow).where(SemanticModelRow.project_id == project_id)
        row = (
            session.execute(
                select(
                    Project,
                    model_row.with_only_columns(func.max(SemanticModelRow.schema_version)).scalar_subquery(),
                    model_row.with_only_columns(SemanticModelRow.created_at)
                    .order_by(SemanticModelRow.schema_version.desc())
                    .limit(1)
                    .scalar_subquery(),
                    select(func.coalesce(func.max(SemanticLayerRow.version), 0))
                    .where(SemanticLayerRow.project_id == project_id)
                    .scalar_subquery(),
                    select(func.coalesce(func.max(SchemaSnapshotRow.version), 0))
                    .where(SchemaSnapshotRow.project_id == project_id)
                    .scalar_subquery(),
                ).where(Project.id == project_id)
            )
            .unique()
            .one_or_none()
        )
        if row is None:
            raise ProjectNotFound(f"project {project_id!r} not found")
        project, model_version, model_at, layer_version, schema_version = row
        if model_version is None:
            return project, None
        versions: _Versions = (project_id, project.created_at, model_version, model_at, layer_version, schema_version)
        found = self._models.get(project_id)
        if found is not None and found[0] == versions:
            return project, (found[1], found[2])
        latest = latest_semantic_model(session, project_id)
        if latest is None:
            return project, None
        model = model_in_force(session, project_id, latest[1])
        if latest[0] != model_version:
            return project, (latest[0], model)  # a newer model landed meanwhile: used, remembered at the next ask
        self._models.put(project_id, (versions, latest[0], model))
        return project, (latest[0], model)


MODELS_IN_FORCE = ModelsInForce()

"""Request and response bodies, one family per entity."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from hugdata.tenants.data_sources import DataSourceSpec
from hugdata.tenants.errors import InvalidDataSource
from hugdata.tenants.models import DataSource, Dialect, KeyScope, Project, ProjectStatus, Tier
from hugdata.tenants.project_ids import PROJECT_ID_RULE, validate_project_id

ProjectName = Annotated[str, Field(min_length=1, max_length=200)]
SchemaPattern = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_*?\[\]$-]+$")]


class DataSourceIn(BaseModel):
    """A tenant database: ``path`` for sqlite; ``host``, ``port``, ``database``, ``username``, ``password`` else."""

    model_config = ConfigDict(extra="forbid")

    dialect: Dialect
    host: str | None = Field(default=None, max_length=253)
    port: int | None = Field(default=None, ge=1, le=65535)
    database: str | None = Field(default=None, max_length=128)
    username: str | None = Field(default=None, max_length=128)
    password: SecretStr | None = Field(default=None, max_length=1024)
    path: str | None = Field(default=None, max_length=4096)
    schemas_include: list[SchemaPattern] = Field(
        default_factory=list, max_length=50, description="PostgreSQL: only schemas matching one of these globs"
    )
    schemas_exclude: list[SchemaPattern] = Field(
        default_factory=list, max_length=50, description="PostgreSQL: skip schemas matching one of these globs"
    )

    @model_validator(mode="after")
    def _fits_dialect(self) -> DataSourceIn:
        try:
            self.to_spec().normalized()
        except InvalidDataSource as exc:
            raise ValueError(str(exc)) from None
        return self

    def to_spec(self) -> DataSourceSpec:
        return DataSourceSpec(
            dialect=self.dialect,
            host=self.host,
            port=self.port,
            database=self.database,
            username=self.username,
            password=self.password.get_secret_value() if self.password else None,
            path=self.path,
            options={
                k: v
                for k, v in (("schemas_include", self.schemas_include), ("schemas_exclude", self.schemas_exclude))
                if v
            },
        )


class DataSourceRead(BaseModel):
    dialect: Dialect
    host: str | None
    port: int | None
    database: str | None
    username: str | None
    path: str | None
    schemas_include: list[str]
    schemas_exclude: list[str]
    has_password: bool

    @classmethod
    def of(cls, row: DataSource) -> DataSourceRead:
        return cls(
            dialect=Dialect(row.dialect),
            host=row.host,
            port=row.port,
            database=row.database,
            username=row.username,
            path=row.path,
            schemas_include=list((row.options or {}).get("schemas_include", [])),
            schemas_exclude=list((row.options or {}).get("schemas_exclude", [])),
            has_password=row.password_encrypted is not None,
        )


WebhookUrl = Annotated[
    str,
    Field(
        max_length=2000, pattern=r"^https?://[^\s]+$", description="where run status events are POSTed (http or https)"
    ),
]


class ProjectCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(description=PROJECT_ID_RULE, examples=["42", "acme-shop"])
    name: ProjectName
    tier: Tier = Tier.standard
    data_source: DataSourceIn
    webhook_url: WebhookUrl | None = None
    check: bool = Field(
        default=False,
        description="connect to the data source first and refuse (422, with the cause) one that cannot be read; "
        "off by default, so a project can be registered before the customer's firewall lets the platform in",
    )

    @field_validator("id", mode="before")
    @classmethod
    def _project_id_rule(cls, value: object) -> str:
        try:
            return validate_project_id(value)
        except Exception as exc:
            raise ValueError(str(exc)) from None


class ProjectUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ProjectName | None = None
    tier: Tier | None = None
    data_source: DataSourceIn | None = None
    webhook_url: WebhookUrl | Literal[""] | None = Field(default=None, description='"" removes the URL')
    accept_golden_candidates: bool | None = Field(
        default=None,
        description="answers rated up (or corrected) become golden questions at once, without a review",
    )
    check: bool = Field(
        default=False, description="with a new data_source: refuse (422, with the cause) one that cannot be read"
    )


class ProjectRead(BaseModel):
    id: str
    name: str
    tier: Tier
    status: ProjectStatus
    webhook_url: str | None
    accept_golden_candidates: bool = False
    created_at: datetime
    updated_at: datetime
    data_source: DataSourceRead | None = Field(description="null only while a registration is being repaired")

    @classmethod
    def of(cls, project: Project) -> ProjectRead:
        return cls(
            id=project.id,
            name=project.name,
            tier=Tier(project.tier),
            status=ProjectStatus(project.status),
            webhook_url=project.webhook_url,
            accept_golden_candidates=bool(project.accept_golden_candidates),
            created_at=project.created_at,
            updated_at=project.updated_at,
            data_source=DataSourceRead.of(project.data_source) if project.data_source is not None else None,
        )


class ProjectPage(BaseModel):
    items: list[ProjectRead]
    next_after: str | None = Field(description="pass as `after` to get the next page; null on the last page")


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=200)


class KeyRead(BaseModel):
    id: str
    project_id: str | None
    name: str
    created_at: datetime
    revoked_at: datetime | None = Field(description="when the key stopped working; null while it works")


class KeyIssued(BaseModel):
    id: str
    scope: KeyScope
    project_id: str | None
    name: str
    created_at: datetime
    token: str = Field(description="the bearer token; shown only in this response")


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "unavailable"]
    checks: dict[str, str]


class ErrorBody(BaseModel):
    detail: str
    admin_hint: str | None = Field(
        default=None, description="what the platform's operator can change (a setting), apart from the user's text"
    )

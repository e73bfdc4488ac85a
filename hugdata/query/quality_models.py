"""Tables behind a tenant's answer quality: golden questions, accuracy runs, and the optimization report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from hugdata.tenants.models import Base


class GoldenQuestion(Base):
    """A question a tenant knows the right answer to, as the SQL that produces it."""

    __tablename__ = "golden_questions"
    __table_args__ = (UniqueConstraint("project_id", "question"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(Text)
    expected_sql: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AccuracyRun(Base):
    """One evaluation of a project's golden questions by the `model_accuracy` asset."""

    __tablename__ = "accuracy_runs"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    answered_by: Mapped[str] = mapped_column(String(32))
    total: Mapped[int] = mapped_column(Integer)
    correct: Mapped[int] = mapped_column(Integer)
    accuracy: Mapped[float | None] = mapped_column(Float)
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class OptimizationReport(Base):
    """The latest `query_optimization_report` of a project."""

    __tablename__ = "optimization_reports"

    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    report: Mapped[dict[str, Any]] = mapped_column(JSONB)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

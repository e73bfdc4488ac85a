"""Ask through the API on public schemas: the oracle (a scripted OpenAI-compatible model answering with the
reference SQL) and the offline planner, on every schema and dialect (issue 15).

Oracle: every reference statement must pass validation, run and match the reference result computed on the same
source directly; any refusal is a validator bug. Planner: precision (right answers among those it gives) and
coverage (answers given). With `HUGDATA_LLM_BASE_URL` (and `HUGDATA_LLM_MODEL`, `HUGDATA_LLM_API_KEY`) set, the
same questions also go to that model: its execution accuracy per schema. `BENCH_HALF=tuning` leaves the held-out
half out.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import text

from bench.harness import BenchPlatform, fresh_platform, served_api
from bench.public_tenants import PublicTenant, register_public_tenants
from hugdata.config import get_settings
from hugdata.evaluation.questions import PUBLIC_QUESTIONS, Question
from hugdata.evaluation.reference import reference_sql_for
from hugdata.evaluation.scoring import answer_is_right
from hugdata.platform.instance import open_instance
from hugdata.query.sql_policy import SQLGLOT_DIALECT
from hugdata.tenants.source_engines import open_source_engine
from tests.llm import ScriptedLlm, scripted_llm

MAX_ROWS = 1000


def _questions(schema: str, questions: dict[str, list[Question]]) -> list[Question]:
    half = os.environ.get("BENCH_HALF", "both")
    return [q for q in questions[schema] if half == "both" or q.held_out == (half == "held_out")]


def _expected(tenant: PublicTenant, sql: str) -> list[list[Any]]:
    engine = open_source_engine(tenant.source)
    try:
        with engine.connect() as conn:
            return [list(row) for row in conn.execute(text(sql.replace(":", r"\:")))]
    finally:
        engine.dispose()


_LLM_ENV = ("HUGDATA_LLM_BASE_URL", "HUGDATA_LLM_MODEL", "HUGDATA_LLM_API_KEY")


@contextmanager
def api_with_llm(bench: BenchPlatform, llm: dict[str, str]) -> Iterator[httpx.Client]:
    """The API served with exactly the LLM settings in ``llm`` (none: the offline planner answers)."""
    saved = {k: os.environ.pop(k) for k in _LLM_ENV if k in os.environ}
    os.environ.update(llm)
    try:
        with served_api(bench) as url, httpx.Client(base_url=url, headers=bench.admin_headers, timeout=300) as http:
            yield http
    finally:
        for key in _LLM_ENV:
            os.environ.pop(key, None)
        os.environ.update(saved)


def _ask(http: httpx.Client, tenant: PublicTenant, question: Question) -> httpx.Response:
    body = {"question": question.question, "max_rows": MAX_ROWS}
    return http.post(f"/v1/projects/{tenant.project_id}/ask", json=body)


def run_questions(
    http: httpx.Client,
    tenants: list[PublicTenant],
    *,
    oracle: bool,
    questions: dict[str, list[Question]] = PUBLIC_QUESTIONS,
) -> list[dict[str, Any]]:
    """Ask every question of each tenant's schema; each outcome is right, wrong or not_answered."""
    outcomes = []
    for tenant in tenants:
        for question in _questions(tenant.schema, questions):
            sql = reference_sql_for(question.sql, tenant.dialect)
            if oracle:
                ScriptedLlm.by_question = {question.question: f"```sql\n{sql}\n```"}
            response = _ask(http, tenant, question)
            row = {
                "schema": tenant.schema,
                "dialect": tenant.dialect.value,
                "held_out": question.held_out,
                "question": question.question,
            }
            if response.status_code != 200:
                row.update(outcome="not_answered", status=response.status_code, detail=response.json().get("detail"))
            else:
                answer = response.json()
                dialect = SQLGLOT_DIALECT[tenant.dialect]
                right = answer_is_right(sql, dialect, answer["rows"], lambda q, t=tenant: _expected(t, q))
                row.update(outcome="right" if right else "wrong", sql=answer["sql"])
                if not right:
                    row.update(expected=_expected(tenant, sql)[:3], got=answer["rows"][:3])
            outcomes.append(row)
    return outcomes


def summarize(rows: list[dict[str, Any]], *, oracle: bool) -> dict[str, Any]:
    """Outcomes grouped per schema, dialect and half, and over all schemas per half."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        half = "held_out" if row["held_out"] else "tuning"
        groups[f"{row['schema']}/{row['dialect']}/{half}"].append(row)
        groups[f"all/{half}"].append(row)
    summary = {}
    for name, group in sorted(groups.items()):
        right = sum(r["outcome"] == "right" for r in group)
        answered = sum(r["outcome"] != "not_answered" for r in group)
        if oracle:
            summary[name] = {"questions": len(group), "matched": right, "refused": len(group) - answered}
        else:
            summary[name] = {
                "questions": len(group),
                "answered": answered,
                "right": right,
                "precision": round(right / answered, 3) if answered else None,
                "coverage": round(answered / len(group), 3),
                "accuracy": round(right / len(group), 3),
            }
    return summary


def public_ask_report() -> dict[str, Any]:
    """Oracle and planner outcomes over every public schema and reachable dialect."""
    configured = {k: os.environ[k] for k in _LLM_ENV if os.environ.get(k)}
    llm: list[dict[str, Any]] = []
    with fresh_platform() as bench:
        os.environ.update(bench.env)
        get_settings.cache_clear()
        instance = open_instance(bench.settings.resolved_dagster_home)
        with api_with_llm(bench, {}) as http:
            tenants = register_public_tenants(http, instance)
            planner = run_questions(http, tenants, oracle=False)
        instance.dispose()
        with (
            scripted_llm() as llm_url,
            api_with_llm(bench, {_LLM_ENV[0]: llm_url, _LLM_ENV[1]: "reference-sql"}) as http,
        ):
            oracle = run_questions(http, tenants, oracle=True)
        if "HUGDATA_LLM_BASE_URL" in configured:
            with api_with_llm(bench, configured) as http:
                llm = run_questions(http, tenants, oracle=False)
    report: dict[str, Any] = {}
    if llm:
        report["llm"] = {"model": configured.get("HUGDATA_LLM_MODEL"), **summarize(llm, oracle=False)}
    return report | {
        "oracle": summarize(oracle, oracle=True),
        "oracle_misses": [r for r in oracle if r["outcome"] != "right"],
        "planner": summarize(planner, oracle=False),
        "planner_wrong": [r for r in planner if r["outcome"] == "wrong"],
        "planner_declined": [
            {k: r.get(k) for k in ("schema", "dialect", "held_out", "question", "detail")}
            for r in planner
            if r["outcome"] == "not_answered"
        ],
    }

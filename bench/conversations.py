"""Follow-up questions in threads (issue 31): `python -m bench conversations`.

On the three-turn conversations of `hugdata.evaluation.conversations` (odd positions held out), each schema
registered as a tenant on every reachable dialect, through the threads API:

- follow_ups: the offline planner's precision (right among answered) and coverage on turns 2 and 3. The first turn
  is answered with its reference SQL (through a scripted model, as an LLM or a golden answer would), and a declined
  follow-up is answered the same way, so each follow-up refines the query it was written against; a wrong one is
  kept, and the next turn refines it as a user's thread would.
- end_to_end: the planner alone from the first turn: conversations it answers right throughout.
- llm_prompts: with the scripted model answering every turn, the share of turns 2 and 3 whose prompt holds the
  previous turn's question and the SQL that answered it.

`BENCH_HALF=tuning|held_out`, `BENCH_DIALECTS` and `BENCH_SCHEMAS` narrow the run.
"""

from __future__ import annotations

import os
from collections import defaultdict
from typing import Any

import httpx
from sqlalchemy.exc import SQLAlchemyError

from bench.ask_public import _expected, api_with_llm
from bench.harness import fresh_platform, write_report
from bench.public_tenants import PublicTenant, register_public_tenants
from hugdata.config import get_settings
from hugdata.evaluation.conversations import CONVERSATIONS, Conversation
from hugdata.evaluation.reference import reference_sql_for
from hugdata.evaluation.scoring import answer_is_right
from hugdata.platform.instance import open_instance
from hugdata.query.sql_policy import SQLGLOT_DIALECT
from tests.llm import ScriptedLlm, scripted_llm

MAX_ROWS = 1000


def _chosen() -> list[Conversation]:
    half = os.environ.get("BENCH_HALF", "both")
    return [c for c in CONVERSATIONS if half == "both" or c.held_out == (half == "held_out")]


def _thread(http: httpx.Client, tenant: PublicTenant) -> int:
    return int(http.post(f"/v1/projects/{tenant.project_id}/threads", json={}).json()["id"])


def _ask(http: httpx.Client, tenant: PublicTenant, thread: int, question: str, *, scripted: str | None = None):  # type: ignore[no-untyped-def]
    if scripted is not None:
        ScriptedLlm.by_question = {question: f"```sql\n{scripted}\n```"}
    body = {"question": question, "max_rows": MAX_ROWS}
    return http.post(f"/v1/projects/{tenant.project_id}/threads/{thread}/ask", json=body)


def _right(tenant: PublicTenant, reference: str, rows: list[list[Any]]) -> bool:
    try:
        return answer_is_right(reference, SQLGLOT_DIALECT[tenant.dialect], rows, lambda q: _expected(tenant, q))
    except SQLAlchemyError as exc:
        raise RuntimeError(f"the reference does not run on {tenant.project_id}: {reference}") from exc


def follow_ups(planner: httpx.Client, llm: httpx.Client, tenant: PublicTenant, talk: Conversation) -> list[dict]:
    """Turns 2 and 3 asked of the planner, each after the turn it refines was answered (by the reference if the
    planner declined it)."""
    references = [reference_sql_for(sql, tenant.dialect) for _, sql in talk.turns]
    thread = _thread(planner, tenant)
    first = _ask(llm, tenant, thread, talk.turns[0][0], scripted=references[0])
    if first.status_code != 200:
        return [{"schema": tenant.schema, "dialect": tenant.dialect.value, "held_out": talk.held_out,
                 "question": talk.turns[0][0], "outcome": "seed_failed", "detail": first.text[:500]}]  # fmt: skip
    rows = []
    for (question, _), reference in zip(talk.turns[1:], references[1:], strict=True):
        answer = _ask(planner, tenant, thread, question)
        row: dict[str, Any] = {"schema": tenant.schema, "dialect": tenant.dialect.value, "held_out": talk.held_out,
                               "question": question}  # fmt: skip
        if answer.status_code == 200:
            right = _right(tenant, reference, answer.json()["rows"])
            row.update(outcome="right" if right else "wrong", sql=answer.json()["sql"],
                       changes=answer.json()["changes"])  # fmt: skip
        else:
            row.update(outcome="not_answered", status=answer.status_code, detail=answer.json().get("detail"))
            # The user gets this turn answered another way; the next follow-up refines it.
            _ask(llm, tenant, thread, question, scripted=reference)
        rows.append(row)
    return rows


def end_to_end(planner: httpx.Client, tenant: PublicTenant, talk: Conversation) -> dict[str, Any]:
    """right (every turn), wrong (a turn answered wrong: which), declined (a turn declined, none wrong)."""
    thread = _thread(planner, tenant)
    for turn, (question, sql) in enumerate(talk.turns, 1):
        answer = _ask(planner, tenant, thread, question)
        if answer.status_code != 200:
            return {"outcome": "declined", "turn": turn}
        if not _right(tenant, reference_sql_for(sql, tenant.dialect), answer.json()["rows"]):
            return {"outcome": "wrong", "turn": turn, "question": question, "schema": tenant.schema,
                    "dialect": tenant.dialect.value, "sql": answer.json()["sql"]}  # fmt: skip
    return {"outcome": "right"}


def llm_prompts(llm: httpx.Client, tenant: PublicTenant, talk: Conversation) -> list[bool]:
    """Per turn 2 and 3: the prompt held the previous turn's question and its SQL as it ran (without the row cap)."""
    thread = _thread(llm, tenant)
    held = []
    previous: tuple[str, str] | None = None
    for question, sql in talk.turns:
        before = len(ScriptedLlm.requests)
        answer = _ask(llm, tenant, thread, question, scripted=reference_sql_for(sql, tenant.dialect))
        prompt = " ".join(ScriptedLlm.requests[before]["messages"][1]["content"].split())
        if previous is not None:
            held.append(f'"{previous[0]}" was answered with: {previous[1]}' in prompt)
        if answer.status_code != 200:
            return held  # the thread has no answer to build on (a reference the dialect's copy cannot run)
        ran = " ".join(answer.json()["sql"].split())
        cap = f" LIMIT {MAX_ROWS + 1}"
        previous = (question, ran[: -len(cap)] if ran.endswith(cap) else ran)
    return held


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in (r for r in rows if r["outcome"] != "seed_failed"):
        half = "held_out" if row.get("held_out") else "tuning"
        groups[f"{row['schema']}/{row.get('dialect')}/{half}"].append(row)
        groups[f"all/{half}"].append(row)
    summary = {}
    for name, group in sorted(groups.items()):
        right = sum(r["outcome"] == "right" for r in group)
        answered = sum(r["outcome"] in ("right", "wrong") for r in group)
        summary[name] = {"follow_ups": len(group), "answered": answered, "right": right,
                         "precision": round(right / answered, 3) if answered else None,
                         "coverage": round(answered / len(group), 3)}  # fmt: skip
    return summary


def main() -> None:
    talks = _chosen()
    schemas = tuple(sorted({c.schema for c in talks}))
    with fresh_platform() as bench:
        os.environ.update(bench.env)
        get_settings.cache_clear()
        instance = open_instance(bench.settings.resolved_dagster_home)
        llm_env = {"HUGDATA_LLM_MODEL": "reference-sql"}
        with scripted_llm() as llm_url, api_with_llm(bench, {}) as planner:
            tenants = register_public_tenants(planner, instance, among=schemas)
            with api_with_llm(bench, {**llm_env, "HUGDATA_LLM_BASE_URL": llm_url}) as llm:
                followed, whole, prompts = [], defaultdict(list), defaultdict(list)
                for tenant in tenants:
                    for talk in (t for t in talks if t.schema == tenant.schema):
                        half = "held_out" if talk.held_out else "tuning"
                        followed += follow_ups(planner, llm, tenant, talk)
                        whole[half].append(end_to_end(planner, tenant, talk))
                        prompts[half] += llm_prompts(llm, tenant, talk)
        instance.dispose()
    write_report(
        "conversations",
        {
            "conversations": len(talks),
            "schemas": list(schemas),
            "dialects": sorted({t.dialect.value for t in tenants}),
            "half": os.environ.get("BENCH_HALF", "both"),
            "load_average": os.getloadavg(),
            "follow_ups": summarize(followed),
            "end_to_end": {
                h: {o: [r["outcome"] for r in rows].count(o) for o in ("right", "wrong", "declined")}
                for h, rows in whole.items()
            },
            "end_to_end_wrong": [r for rows in whole.values() for r in rows if r["outcome"] == "wrong"],
            "llm_prompts": {h: {"turns": len(v), "held_previous_turn": sum(v)} for h, v in prompts.items()},
            "wrong": [r for r in followed if r["outcome"] == "wrong"],
            "seed_failed": [r for r in followed if r["outcome"] == "seed_failed"],
            "declined": [
                {k: r.get(k) for k in ("schema", "dialect", "held_out", "question", "detail")}
                for r in followed
                if r["outcome"] == "not_answered"
            ],  # fmt: skip
        },
    )

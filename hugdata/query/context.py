"""An AskContext from settings: the same answering path for the API and for the `model_accuracy` asset."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hugdata.catalog.embeddings import Embedder
from hugdata.config import Settings
from hugdata.query.ask import AskContext, AskPolicy
from hugdata.query.llm import llm_writer
from hugdata.tenants.source_engines import SourceLimits
from hugdata.tenants.vault import CredentialVault


def ask_context(
    settings: Settings,
    *,
    sessions: sessionmaker[Session],
    vault: CredentialVault,
    embedder: Embedder,
    reads: Engine | None = None,
) -> AskContext:
    """The LLM when one is configured (else the offline planner), the source limits and the ask policy; ``reads``
    are the API's autocommit connections under row-level security (see ``AskContext.reads``)."""
    writer = None
    if settings.llm_base_url:
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
        writer = llm_writer(settings.llm_base_url, settings.llm_model, key)
    return AskContext(
        sessions=sessions,
        vault=vault,
        embedder=embedder,
        writer=writer,
        limits=SourceLimits(
            settings.source_connect_timeout_s,
            settings.source_statement_timeout_s,
            ask_memory_bytes=settings.ask_max_memory,
        ),
        policy=AskPolicy(
            max_tries=settings.ask_max_tries,
            token_budget=settings.ask_token_budget,
            max_result_bytes=settings.ask_max_result_bytes,
            reuse_paraphrases=settings.paraphrase_reuse,
        ),
        reads=reads,
    )

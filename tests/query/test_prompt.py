"""The ask prompt is built around tables: whole column lists in ranking order, joins between the chosen tables,
then measures and past questions, within the token budget, with names written as the dialect needs them."""

from hugdata.catalog.retrieval import TableRanking
from hugdata.catalog.schema import ColumnInfo, ForeignKeyInfo, SchemaSnapshot, TableInfo
from hugdata.catalog.semantic import build_semantic_model
from hugdata.catalog.vector_store import SearchHit
from hugdata.query.prompt import build_prompt, estimate_tokens, sql_name
from hugdata.tenants.models import Dialect


def _col(name: str, kind: str = "integer") -> ColumnInfo:
    return ColumnInfo(name=name, type=kind, raw_type=kind, nullable=True)


def _table(name: str, *columns: ColumnInfo, fks: tuple[tuple[str, str], ...] = ()) -> TableInfo:
    return TableInfo(
        schema_name="public",
        name=name,
        kind="table",
        columns=[_col("id"), *columns],
        primary_key=["id"],
        foreign_keys=[
            ForeignKeyInfo(columns=[c], referred_schema="public", referred_table=t, referred_columns=["id"])
            for c, t in fks
        ],
    )


WIDE = [_col(f"attribute_{i}", "text") for i in range(40)]
MODEL = build_semantic_model(
    SchemaSnapshot(
        dialect="postgresql",
        tables=[
            _table("invoice", _col("customer_id"), _col("Total", "numeric"), _col("InvoiceDate", "timestamp"),
                   fks=(("customer_id", "customer"),)),
            _table("customer", _col("country", "text"), _col("order", "text")),
            *[_table(f"wide_{i}", *WIDE) for i in range(30)],
        ],
    )
)  # fmt: skip
RANKING = TableRanking(
    tables=["public.invoice", "public.customer", *[f"public.wide_{i}" for i in range(30)]],
    hits=[SearchHit("past_query:1", "past_query", "total sales", "answered before with: SELECT 1", [], None, 0.9)],
    scores={},
)


def test_ranked_tables_come_whole_in_order_with_their_joins_and_measures() -> None:
    prompt = build_prompt("total per country", RANKING, MODEL, dialect=Dialect.postgresql, token_budget=3000)
    text = prompt.messages[1]["content"]
    assert prompt.tables[:2] == ["public.invoice", "public.customer"]
    assert text.index("public.invoice(") < text.index("public.customer(")
    assert {c.name for c in MODEL.entity("public.invoice").columns} == {  # type: ignore[union-attr]
        c for t, c in prompt.columns if t == "public.invoice"
    }
    assert "customer_id integer -> customer.id" in text
    assert "Joins:\n- public.invoice.customer_id = public.customer.id" in text
    assert "Measures:" in text and '"answered before with: SELECT 1' not in text and '"total sales"' in text


def test_the_prompt_fills_its_budget_and_never_exceeds_it() -> None:
    for budget in (800, 3000, 6000):
        prompt = build_prompt("total per country", RANKING, MODEL, dialect=Dialect.postgresql, token_budget=budget)
        size = sum(estimate_tokens(m["content"]) for m in prompt.messages)
        assert size <= budget and size >= budget * 0.75, (budget, size)
    small = build_prompt("q", RANKING, MODEL, dialect=Dialect.postgresql, token_budget=800)
    large = build_prompt("q", RANKING, MODEL, dialect=Dialect.postgresql, token_budget=6000)
    assert len(small.tables) < len(large.tables)


def test_names_are_written_as_each_dialect_needs() -> None:
    assert sql_name("InvoiceDate", Dialect.postgresql) == '"InvoiceDate"'
    assert sql_name("InvoiceDate", Dialect.sqlite) == "InvoiceDate"
    assert sql_name("order", Dialect.mysql) == "`order`" and sql_name("order", Dialect.postgresql) == '"order"'
    assert sql_name("country", Dialect.postgresql) == "country"
    text = build_prompt("q", RANKING, MODEL, dialect=Dialect.postgresql, token_budget=3000).messages[1]["content"]
    assert '"Total" numeric' in text and '"order" text' in text


def test_a_bridge_table_is_noted_as_a_many_to_many_join() -> None:
    model = build_semantic_model(
        SchemaSnapshot(
            dialect="postgresql",
            tables=[
                _table("item", _col("name", "text")),
                _table("tag", _col("label", "text")),
                _table("item_tag", _col("item_id"), _col("tag_id"), fks=(("item_id", "item"), ("tag_id", "tag"))),
            ],
        )
    )
    ranking = TableRanking(tables=["public.item", "public.tag", "public.item_tag"], hits=[], scores={})
    text = build_prompt("items per tag", ranking, model, dialect=Dialect.postgresql, token_budget=3000).messages[1][
        "content"
    ]
    assert (
        "- many-to-many: public.item.id = public.item_tag.item_id and public.item_tag.tag_id = public.tag.id; "
        "count DISTINCT rows across it"
    ) in text


def test_the_tenants_business_rules_and_words_reach_the_prompt() -> None:
    from hugdata.semantic_layer.apply import curated_model
    from hugdata.semantic_layer.document import from_yaml

    curated = curated_model(MODEL, from_yaml(
        "tables:\n  public.customer:\n    synonyms: [clients]\n    columns:\n      country:\n        unit: ISO code\n"
        "instructions:\n- Fiscal year starts July 1.\n"))  # fmt: skip
    text = build_prompt("total per country", RANKING, curated, dialect=Dialect.postgresql, token_budget=3000).messages[
        1
    ]["content"]
    assert "Business rules:\n- Fiscal year starts July 1." in text
    assert "also called clients" in text and "unit: ISO code" in text


def test_a_threads_newest_turns_reach_the_prompt_within_its_budget() -> None:
    history = [(f"question {i}", f"SELECT {i} FROM public.orders WHERE amount > {i}") for i in range(40)]
    full = build_prompt("top 5", RANKING, MODEL, dialect=Dialect.postgresql, token_budget=3000, history=history)
    text = full.messages[1]["content"]
    assert '- "question 39" was answered with: SELECT 39 FROM public.orders WHERE amount > 39' in text
    # The newest turns are kept, oldest first, and the budget holds with them.
    kept = [int(line.split('"')[1].split()[1]) for line in text.splitlines() if line.startswith('- "question ')]
    assert kept == sorted(kept) and kept[-1] == 39 and len(kept) < 40
    assert full.tokens <= 3000 and estimate_tokens(full.messages[0]["content"] + text) <= 3000 + 30
    alone = build_prompt("top 5", RANKING, MODEL, dialect=Dialect.postgresql, token_budget=3000)
    assert "Earlier in this conversation" not in alone.messages[1]["content"]

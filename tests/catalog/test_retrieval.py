"""Ranking tables from fused document hits: best document wins, named tables lead, framework tables trail,
bridging tables come up beside the tables they connect."""

from hugdata.catalog.retrieval import fuse, is_framework_table, order_tables
from hugdata.catalog.schema import ColumnInfo, ForeignKeyInfo, SchemaSnapshot, TableInfo
from hugdata.catalog.semantic import build_semantic_model
from hugdata.catalog.vector_store import SearchHit


def _table(name: str, *columns: str, fks: list[tuple[str, str]] = ()) -> TableInfo:  # type: ignore[assignment]
    return TableInfo(
        schema_name="main",
        name=name,
        kind="table",
        columns=[ColumnInfo(name=c, type="integer", raw_type="integer", nullable=False) for c in ("id", *columns)],
        primary_key=["id"],
        foreign_keys=[
            ForeignKeyInfo(columns=[c], referred_schema="main", referred_table=t, referred_columns=["id"])
            for c, t in fks
        ],
    )


MODEL = build_semantic_model(
    SchemaSnapshot(
        dialect="sqlite",
        tables=[
            _table("shop_genre", "label"),
            _table("shop_track", "genre_id", fks=[("genre_id", "shop_genre")]),
            _table("shop_invoice", "total"),
            _table(
                "shop_invoiceline",
                "track_id",
                "invoice_id",
                fks=[("track_id", "shop_track"), ("invoice_id", "shop_invoice")],
            ),
            _table("shop_store", "city"),
            _table("auth_user", "is_staff"),
            _table("django_session", "expire"),
        ],
    )
)


def _hit(key: str, *tables: str) -> SearchHit:
    return SearchHit(
        key=key, kind="column", title=key, content=key, tables=[f"main.{t}" for t in tables], column=None, score=0
    )


def test_fusion_ranks_a_document_high_in_either_list_above_one_low_in_both() -> None:
    meaning = [_hit("a", "shop_genre"), _hit("b", "shop_track"), _hit("c", "shop_store")]
    text = [_hit("c", "shop_store"), _hit("d", "shop_invoice"), _hit("b", "shop_track")]
    # c: 1st and 3rd; b: 2nd and 3rd; a: 1st once; d: 2nd once
    assert [hit.key for hit, _ in fuse([meaning, text])] == ["c", "b", "a", "d"]


def test_every_table_is_ranked_even_without_hits() -> None:
    ranking = order_tables("anything", fuse([[_hit("a", "shop_genre")]]), MODEL)
    assert ranking.tables[0] == "main.shop_genre"
    assert sorted(ranking.tables) == sorted(e.name for e in MODEL.entities)


def test_framework_tables_trail_business_tables_unless_named() -> None:
    hits = [_hit("u", "auth_user"), _hit("s", "django_session"), _hit("g", "shop_store")]
    ranking = order_tables("how many of them are there", fuse([hits]), MODEL)
    assert ranking.tables.index("main.shop_store") < ranking.tables.index("main.auth_user")
    named = order_tables("how many staff users are there", fuse([hits]), MODEL)
    assert named.tables[0] == "main.auth_user"
    assert is_framework_table("main.failed_jobs") and is_framework_table("django_migrations")
    assert not is_framework_table("main.jobsite") and not is_framework_table("main.user_sessions_log")


def test_a_table_the_question_names_leads() -> None:
    hits = [_hit("a", "shop_genre"), _hit("b", "shop_invoice")]
    ranking = order_tables("What is the amount per store?", fuse([hits]), MODEL)
    assert ranking.tables.index("main.shop_store") < ranking.tables.index("main.shop_invoice")
    unnamed = order_tables("What is the amount?", fuse([hits]), MODEL)
    assert unnamed.tables.index("main.shop_store") > unnamed.tables.index("main.shop_invoice")


def test_the_table_between_two_leading_tables_is_pulled_up_beside_them() -> None:
    # genre and invoice lead; the line item that joins them (through track) comes right after
    hits = [_hit("g", "shop_genre"), _hit("i", "shop_invoice"), _hit("t", "shop_track"), _hit("x", "shop_store"),
            _hit("y", "auth_user"), _hit("l", "shop_invoiceline")]  # fmt: skip
    ranking = order_tables("genre with the most invoice money", fuse([hits]), MODEL)
    assert ranking.tables.index("main.shop_invoiceline") == 3
    assert ranking.tables.index("main.shop_store") > 3

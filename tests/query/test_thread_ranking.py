"""In a thread, retrieval's ranking puts the tables of the last turns first: "and by country" names nothing a
search would find, and the previous answer's tables are what it refines."""

from hugdata.catalog.retrieval import TableRanking
from hugdata.conversations.turns import PastTurn, with_thread_tables


def test_the_last_turns_tables_come_first_and_nothing_is_lost() -> None:
    ranking = TableRanking(["main.a", "main.b", "main.c", "main.d"], [], {"main.a": 1.0})
    turns = [PastTurn("old", "SELECT 1", ["main.d"]), PastTurn("q1", "SELECT 1", ["main.c"]),
             PastTurn("q2", "SELECT 1", ["main.b", "main.c"])]  # fmt: skip
    ranked = with_thread_tables(ranking, turns)
    assert ranked.tables == ["main.c", "main.b", "main.a", "main.d"]  # the two newest turns' tables, then the rest
    assert with_thread_tables(ranking, []).tables == ranking.tables

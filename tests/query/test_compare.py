"""Execution-accuracy matching: by values, tolerant of extra columns and number formats, strict on rows."""

from decimal import Decimal

from hugdata.query.compare import is_ordered, results_match


def test_extra_columns_in_the_answer_are_fine() -> None:
    assert results_match([(3,)], [("orders", 3)], ordered=False)


def test_numbers_compare_after_rounding_across_types() -> None:
    assert results_match([(12.0, 1)], [(Decimal("12.00001"), True)], ordered=False)


def test_a_missing_reference_column_fails() -> None:
    assert not results_match([("a", 1), ("b", 2)], [("a", 1), ("b", 3)], ordered=False)


def test_row_count_must_agree() -> None:
    assert not results_match([(1,)], [(1,), (1,)], ordered=False)


def test_order_matters_only_when_the_reference_orders() -> None:
    expected, answer = [("a", 2), ("b", 1)], [("b", 1), ("a", 2)]
    assert results_match(expected, answer, ordered=False)
    assert not results_match(expected, answer, ordered=True)


def test_columns_are_paired_consistently_across_rows() -> None:
    # Each column's values match somewhere, but the rows pair them differently.
    assert not results_match([("a", 1), ("b", 2)], [("a", 2), ("b", 1)], ordered=False)


def test_ordered_means_an_outer_order_by() -> None:
    assert is_ordered("SELECT a FROM t ORDER BY a", "sqlite")
    assert not is_ordered("SELECT a FROM (SELECT a FROM t ORDER BY a) AS s", "sqlite")


def test_a_top_n_answer_may_pick_any_of_the_rows_tied_for_last_place() -> None:
    from hugdata.query.compare import ranked_query, results_match_up_to_ties

    sql, limit, key = ranked_query(
        "SELECT name, COUNT(*) FROM t GROUP BY name ORDER BY COUNT(*) DESC LIMIT 2", "sqlite"
    )  # type: ignore[misc]
    assert "LIMIT" not in sql and (limit, key) == (2, 1)
    full = [("a", 9), ("b", 5), ("c", 5), ("d", 1)]
    assert results_match_up_to_ties(full, limit, key, [(7, "a", 9), (8, "c", 5)])  # c instead of b: a tie
    assert not results_match_up_to_ties(full, limit, key, [(7, "a", 9), (8, "d", 1)])  # d is not tied
    assert ranked_query("SELECT name FROM t ORDER BY name", "sqlite") is None  # no LIMIT


def test_an_ordered_answer_may_list_tied_rows_in_any_order_but_not_out_of_order() -> None:
    from hugdata.query.compare import order_key_position, ordered_up_to_ties

    key = order_key_position("SELECT series, COUNT(*) FROM e GROUP BY series ORDER BY COUNT(*) ASC", "sqlite")
    assert key == 1 and order_key_position("SELECT a FROM t ORDER BY a LIMIT 3", "sqlite") is None
    expected = [(3, 6), (1, 10), (2, 10), (4, 12)]
    assert ordered_up_to_ties(expected, [(3, 6), (2, 10), (1, 10), (4, 12)], 1)  # 1 and 2 tie on 10
    assert not ordered_up_to_ties(expected, [(1, 10), (3, 6), (2, 10), (4, 12)], 1)  # 6 comes first

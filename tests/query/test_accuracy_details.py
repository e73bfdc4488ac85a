"""A golden question's detail (why it was not answered, what made it stale) is shortened at a word, never inside one."""

from hugdata.query.accuracy import brief


def test_a_long_detail_is_cut_at_a_word_and_marked() -> None:
    text = "the offline planner cannot answer this: " + "configure HUGDATA_LLM_BASE_URL " * 20
    shortened = brief(text, 100)
    assert len(shortened) <= 100 and shortened.endswith("…")
    assert shortened[:-1].split()[-1] in text.split()  # the last word is whole
    assert brief("short enough", 100) == "short enough"

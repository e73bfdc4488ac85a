"""Plain words for identifiers: run-together names split, abbreviations spelled out, articles and dates right."""

from hugdata.catalog.vocabulary import CompoundSplitter
from hugdata.catalog.words import indefinite, when_phrase


def test_run_together_names_split_into_known_words() -> None:
    splitter = CompoundSplitter.for_identifiers(["chinook_invoice", "invoice_id", "chinook_playlist"])
    assert splitter.phrase("chinook_invoiceline") == "chinook invoice line"  # "invoice" known from the schema
    assert splitter.phrase("mediatype") == "media type"
    assert splitter.phrase("playlisttrack") == "playlist track"
    assert splitter.phrase("BillingCountry") == "billing country"
    # known words and words nothing covers stay whole
    assert splitter.phrase("address") == "address" and splitter.phrase("xqzvbnmw") == "xqzvbnmw"


def test_of_joins_two_words_inside_a_name_but_never_starts_or_ends_one() -> None:
    splitter = CompoundSplitter()
    assert splitter.phrase("halloffame") == "hall of fame" and splitter.phrase("dateofbirth") == "date of birth"
    assert splitter.phrase("often") == "often" and splitter.phrase("office") == "office"


def test_column_prefixes_go_and_abbreviations_are_spelled_out() -> None:
    splitter = CompoundSplitter()
    assert splitter.phrase("c_acctbal", prefix="c_") == "account balance"
    assert splitter.phrase("o_orderdate", prefix="o_") == "order date"
    assert splitter.phrase("ps_availqty", prefix="ps_") == "available quantity"


def test_articles_follow_the_sound_of_the_word() -> None:
    assert indefinite("auth group") == "an auth group"
    assert indefinite("user") == "a user" and indefinite("hour") == "an hour" and indefinite("order") == "an order"


def test_only_event_dates_read_as_when_something_happened() -> None:
    assert when_phrase("shipped_at", "order") == "when the order was shipped"
    assert when_phrase("date_joined", "user") == "when the user was joined"
    assert when_phrase("birthdate", "employee") == "birthdate of the employee"
    assert when_phrase("due_date", "invoice") == "due date of the invoice"

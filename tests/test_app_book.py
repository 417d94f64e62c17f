"""The "Options book" tab and the Compare tab's shortlist, driven by AppTest on a real SQLite file in a
temporary folder (PCFUND_BOOK): save, open into the inputs, shortlist, agree, compare the shortlist, the
practice-list warning; a locked, read-only or damaged book leaves the rest of the app working; names a
user typed are shown as text, never as markup. Run: .venv/bin/pytest tests/test_app_book.py -q
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest
from app_helpers import card_value
from streamlit.testing.v1 import AppTest
from test_book_store import read_only

from book import store
from book.records import PracticeListPrint, practice_list_print
from book.store import Book
from model.engine import run
from model.practices import load_practices
from model.scenario import Scenario
from model.scenario_files import dump_scenario, load_scenario_file

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
NENE = ROOT / "data" / "nene_2014_15.csv"
POT_DEFAULT = "£3,238,385"      # 647,677 patients × £5
POT_AT_6 = "£3,886,062"
OTHER_LIST = PracticeListPrint("b" * 64, "england_2014_15.csv (CCG 03V)", 40, ("03V",))


@pytest.fixture
def book_file(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "book" / "book.sqlite3"
    monkeypatch.setenv("PCFUND_BOOK", str(path))
    return path


def new_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    clean(at)
    return at


def clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def goto(at: AppTest, tab: str) -> AppTest:
    at.session_state["view"] = tab
    at.run()
    clean(at)
    return at


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    clean(at)
    return at


def metric(at: AppTest, start: str) -> str:
    return card_value(at, start)


def save_in_app(at: AppTest, option: str, author: str = "Ann Lee", note: str = "") -> AppTest:
    at.text_input(key="book:option").input(option)
    at.text_input(key="book:author").input(author)
    at.text_area(key="book:note").input(note)
    return click(at, "Save as a new version")


def book_tables(at: AppTest) -> list:
    """The book's tables on the page: the shortlist (when there is one), then every version."""
    return [d.value for d in at.dataframe if {"Version", "Same practice list"} <= set(d.value.columns)]


def shortlist_table(at: AppTest):
    tables = book_tables(at)
    assert len(tables) == 2, "no shortlist table"
    return tables[0]


def versions_table(at: AppTest):
    return book_tables(at)[-1]


def headlines_table(at: AppTest):
    return next(d.value for d in at.dataframe if "Headline" in d.value.columns)


def unescaped(markdown: str) -> str:
    return markdown.replace("\\", "")


def texts(at: AppTest) -> list[str]:
    return [e.value for kind in ("markdown", "caption", "success", "warning", "error", "info", "text")
            for e in getattr(at, kind)]


def test_save_open_shortlist_agree_and_compare(book_file):
    at = goto(new_app(), "Options book")
    assert any("no options saved yet" in c.value for c in at.caption)
    save_in_app(at, "Guidance", note="the guidance as written")
    assert any(s.value.startswith("Saved Guidance v1 (\\#1) as a draft, by Ann Lee") for s in at.success)
    at.number_input(key="in:pot.rate_per_head").set_value(6.0).run()
    save_in_app(at, "Six pounds")
    at.number_input(key="in:pot.rate_per_head").set_value(7.0).run()
    save_in_app(at, "Seven pounds")
    with Book(book_file) as book:
        versions = {v.title: v for v in book.versions()}
    assert sorted(versions) == ["Guidance v1", "Seven pounds v1", "Six pounds v1"]
    nene = load_practices(NENE).practices
    at6 = run(nene, Scenario().with_changes({"pot.rate_per_head": 6.0})).totals()
    assert versions["Six pounds v1"].headlines["pot"] == at6["pot"]              # the figures saved are the engine's
    assert versions["Guidance v1"].note == "the guidance as written"
    assert versions["Guidance v1"].practice_list.file == "nene_2014_15.csv"

    # open v1 of Guidance: the inputs and every tab follow it
    at.selectbox(key="book:pick").set_value(versions["Guidance v1"].id).run()
    click(at, "Open in the inputs")
    assert any(s.value.startswith("Opened Guidance v1 in the inputs") for s in at.success)
    assert at.session_state["panel"]["pot.rate_per_head"] == 5.0
    assert any("Started from: options book: Guidance v1" in c.value for c in at.sidebar.caption)
    assert metric(goto(at, "Overview"), "Practice pot 2014/15") == POT_DEFAULT
    goto(at, "Options book")

    # shortlist all three, agree one: who and when are recorded
    for title in ("Guidance v1", "Six pounds v1", "Seven pounds v1"):
        at.selectbox(key="book:pick").set_value(versions[title].id).run()
        at.text_input(key="book:mark_note").input("finance committee, 3 March").run()
        click(at, "Shortlist")
    click(at, "Mark agreed")
    assert any("Seven pounds v1 is now agreed (Agreed by Ann Lee" in s.value for s in at.success)
    assert next(b for b in at.button if b.label == "Shortlist").disabled          # agreed is final
    assert next(b for b in at.button if b.label == "Back to draft").disabled
    shortlist = shortlist_table(at)
    assert list(shortlist["Version"]) == ["Seven pounds v1", "Guidance v1", "Six pounds v1"]
    assert shortlist["Status"].iloc[0].startswith("Agreed by Ann Lee, ")
    assert shortlist["Same practice list"].all()
    with Book(book_file) as book:
        agreed = book.find("Seven pounds")
    assert [s.note for s in agreed.history] == ["", "finance committee, 3 March", ""]

    # compare the shortlist: the Compare tab runs the three saved versions
    click(at, "Compare the shortlist")
    assert at.session_state["view"] == "Compare"
    head = headlines_table(at).set_index("Headline")
    assert list(head.columns) == ["Seven pounds v1", "Guidance v1", "Six pounds v1"]
    assert head.loc["Practice pot", "Guidance v1"] == POT_DEFAULT
    assert head.loc["Practice pot", "Six pounds v1"] == POT_AT_6

    # editing the agreed version starts a new draft of it
    goto(at, "Options book")
    at.selectbox(key="book:pick").set_value(agreed.id).run()
    click(at, "Open in the inputs")
    assert any("it is agreed, so it cannot change" in s.value for s in at.success)
    at.number_input(key="in:pot.rate_per_head").set_value(7.5).run()
    click(at, "Save as a new version")
    with Book(book_file) as book:
        assert [(v.number, v.status, v.based_on_title) for v in book.versions() if v.option == "Seven pounds"] == \
            [(1, "agreed", None), (2, "draft", "Seven pounds v1")]
    assert any("What differs from" == s.label for s in at.selectbox)
    assert "- Pot: £ per registered patient a year: 7 → 7.5" in texts(at)  # v2 against v1, in words


def test_a_version_saved_on_another_practice_list_is_warned(book_file):
    separate = load_scenario_file(str(ROOT / "scenarios" / "les_separate.yaml"))
    with Book(book_file) as book:
        v = book.save("Other CCG", dump_scenario(separate), separate.name, OTHER_LIST, {"pot": 1.0}, "Bob")
        book.set_status(v.id, "shortlisted", "Bob")
    at = goto(new_app(), "Options book")
    warning = ("Other CCG v1 was saved on a different practice list, england_2014_15.csv (CCG 03V) (40 practices, "
               "CCG 03V); the list loaded now is nene_2014_15.csv (69 practices, CCG 04G).")
    assert any(unescaped(w.value).startswith(warning) for w in at.warning)
    assert not versions_table(at)["Same practice list"].iloc[0]
    click(at, "Open in the inputs")
    assert any(w.value.startswith("Opened Other CCG v1 in the inputs") and "different practice list" in w.value
               for w in at.warning)
    at.session_state["compare_pick"] = ["__current__", f"book:{v.id}"]
    goto(at, "Compare")
    assert any(unescaped(w.value).startswith(warning) for w in at.warning)
    assert "Other CCG v1" in headlines_table(at).columns


def _works_without_the_book(at: AppTest) -> None:
    """The figures, the Compare tab (scenario files) and the inputs still work."""
    assert metric(goto(at, "Overview"), "Practice pot 2014/15") == POT_DEFAULT
    at.number_input(key="in:pot.rate_per_head").set_value(6.0).run()
    clean(at)
    assert metric(at, "Practice pot 2014/15") == POT_AT_6
    goto(at, "Compare")
    assert any(c.value.startswith("The options book's shortlist is not offered") for c in at.caption)
    assert len(headlines_table(at).columns) == 3  # the headline, then two scenarios


def test_a_damaged_book_gives_a_message_and_the_app_keeps_working(book_file):
    book_file.parent.mkdir(parents=True)
    book_file.write_bytes(b"this is not a database " * 300)
    at = goto(new_app(), "Options book")
    assert any("The options book cannot be used now" in w.value and "is damaged or is not an options book" in w.value
               for w in at.warning)
    assert not any(b.label == "Save as a new version" for b in at.button)
    _works_without_the_book(at)
    assert book_file.read_bytes() == b"this is not a database " * 300


def test_a_locked_book_gives_a_message_and_the_app_keeps_working(book_file, monkeypatch):
    with Book(book_file) as book:
        book.save("Kept", dump_scenario(Scenario()), "x", OTHER_LIST, {}, "Ann")
    monkeypatch.setattr(store, "BUSY_TIMEOUT_S", 0.2)
    holder = sqlite3.connect(book_file, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO book_migrations VALUES (99, 'x', 'x')")
    try:
        at = goto(new_app(), "Options book")
        assert any("is locked by another program" in w.value for w in at.warning)
        _works_without_the_book(at)
    finally:
        holder.close()
    at = goto(at, "Options book")  # released: the book is back
    assert list(versions_table(at)["Version"]) == ["Kept v1"]


def test_a_read_only_book_can_be_read_and_compared_not_changed(book_file):
    with Book(book_file) as book:
        v = book.save("Kept", dump_scenario(Scenario()), "x", OTHER_LIST, {}, "Ann")
        book.set_status(v.id, "shortlisted", "Ann")
    with read_only(book_file):
        at = goto(new_app(), "Options book")
        assert any("is read-only" in i.value for i in at.info)
        assert next(b for b in at.button if b.label == "Save as a new version").disabled
        assert next(b for b in at.button if b.label == "Back to draft").disabled
        assert list(versions_table(at)["Version"]) == ["Kept v1"]
        click(at, "Open in the inputs")
        assert metric(goto(at, "Overview"), "Practice pot 2014/15") == POT_DEFAULT


def test_names_typed_by_users_are_text_never_markup_or_sql(book_file):
    at = goto(new_app(), "Options book")
    name, author = "'; DROP TABLE options; --", "<script>alert('x')</script>"
    save_in_app(at, name, author, note="<img src=x onerror=alert(1)> **bold** [link](javascript:alert(1))")
    with contextlib.closing(sqlite3.connect(book_file)) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"options", "versions", "status_changes"} <= tables
        assert db.execute("SELECT name FROM options").fetchall() == [(name,)]
    click(at, "Shortlist")
    for kind in ("markdown", "caption", "success", "warning", "error", "info"):
        for e in getattr(at, kind):
            if e.value.startswith(("<style>", '<div class="inputs-banner">')):
                continue  # the app's own CSS and banner
            assert "<script>" not in e.value and "<img" not in e.value and "](javascript" not in e.value, e.value
    assert any("\\<script\\>" in s.value for s in at.success)  # escaped, so shown as typed
    # shown as plain text (st.text) and in tables (data, not markup)
    assert any(author in t.value for t in at.text)
    assert versions_table(at)["Author"].iloc[0] == author


def test_the_practice_view_puts_shortlisted_and_agreed_versions_beside_the_scenario(book_file):
    """A practice under the scenario on screen and two saved versions (one shortlisted, one agreed), side by
    side: the versions are offered by name, and their figures are the engine's for the scenario saved."""
    from model import formats

    nene = load_practices(NENE).practices
    six = Scenario().with_changes({"pot.rate_per_head": 6.0})
    separate = load_scenario_file(str(ROOT / "scenarios" / "les_separate.yaml"))
    nene_print = practice_list_print(nene, NENE.name)
    with Book(book_file) as book:
        a = book.save("Six pounds", dump_scenario(six), six.name, nene_print, {"pot": 1.0}, "Ann")
        b = book.save("Separate", dump_scenario(separate), separate.name, nene_print, {"pot": 1.0}, "Ann")
        book.set_status(a.id, "shortlisted", "Ann")
        book.set_status(b.id, "shortlisted", "Ann")
        book.set_status(b.id, "agreed", "Committee")
    at = new_app()
    at.session_state["practice_others"] = [f"book:{a.id}", f"book:{b.id}"]
    at = goto(at, "One practice")
    code = at.session_state["my_practice"]
    html = " ".join(h.proto.body for h in at.get("html"))
    assert "3 scenarios side by side" in " ".join(m.value for m in at.markdown)
    for title, scenario in (("Six pounds v1", six), ("Separate v1", separate)):
        assert title in html
        rows = run(nene, scenario).practices
        row = rows[(rows["practice_code"] == code) & (rows["year_index"] == 0)].iloc[0]
        assert formats.money(row["net_change"]) in html and formats.money(row["allocation"]) in html


def test_a_saved_version_that_cannot_run_on_this_list_is_named_and_the_rest_still_compared(book_file):
    """Compare and the practice view skip a chosen version the list cannot run (an LES scheme it lacks),
    with a warning naming it, and still show the scenarios that run."""
    nene = load_practices(NENE).practices
    odd = Scenario().with_changes({"les.schemes": {"les_nope": {"action": "decommission"}}})
    six = Scenario().with_changes({"pot.rate_per_head": 6.0})
    with Book(book_file) as book:
        bad = book.save("Odd", dump_scenario(odd), odd.name, practice_list_print(nene, NENE.name), {}, "Ann")
        good = book.save("Six", dump_scenario(six), six.name, practice_list_print(nene, NENE.name), {}, "Ann")
        for v in (bad, good):
            book.set_status(v.id, "shortlisted", "Ann")
    at = new_app()
    at.session_state["compare_pick"] = ["__current__", f"book:{bad.id}", f"book:{good.id}"]
    goto(at, "Compare")
    assert any("Odd v1" in unescaped(w.value) and "cannot be run on this practice list" in w.value
               and "les_nope" in unescaped(w.value) for w in at.warning)
    columns = list(headlines_table(at).columns)    # the headline, the scenario on screen, then Six v1 only
    assert len(columns) == 3 and columns[1].startswith("Current") and columns[2] == "Six v1"
    at.session_state["practice_others"] = [f"book:{bad.id}", f"book:{good.id}"]
    goto(at, "One practice")
    assert any("Odd v1" in unescaped(w.value) and "cannot be run" in w.value for w in at.warning)
    assert "2 scenarios side by side" in " ".join(m.value for m in at.markdown)

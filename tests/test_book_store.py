"""The options book's storage (book/store.py) on a real SQLite file in a temporary folder, never a mock.

What it must do (issue 17): every save an immutable version; draft → shortlisted → agreed with who and
when; an agreed version never changes, in the code and in the database itself; a versioned schema with
migrations; two processes saving at once lose nothing; a process killed in the middle of a save leaves
the file consistent; a locked, read-only, damaged or foreign file gives a sentence, not a traceback.
Run: .venv/bin/pytest tests/test_book_store.py -q
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from book import store
from book.diff import diff_text, scenario_differences
from book.records import PracticeListPrint, headlines, practice_list_print
from book.store import Book, BookError, BookMissing, BookUnavailable
from model.engine import run
from model.practices import load_practices
from model.scenario import Scenario
from model.scenario_files import dump_scenario

REPO = Path(__file__).resolve().parents[1]
NENE = REPO / "data" / "nene_2014_15.csv"
FP = PracticeListPrint("a" * 64, "nene_2014_15.csv", 69, ("04G",))
OTHER_LIST = PracticeListPrint("b" * 64, "other.csv", 12, ("03V",))


def save(book: Book, option: str = "Option A", author: str = "Ann", scenario: Scenario | None = None,
         fp: PracticeListPrint = FP, note: str = "") -> object:
    s = scenario or Scenario()
    return book.save(option, dump_scenario(s), s.name, fp, {"net_cost": 1.0}, author, note)


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def counts(path: Path) -> dict[str, int]:
    with contextlib.closing(raw(path)) as db:
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("options", "versions", "status_changes")}


def consistent(path: Path) -> None:
    """The invariants a half-done save would break: SQLite's integrity check, no orphan rows, every
    version with a status, numbers 1..n within each option."""
    with contextlib.closing(raw(path)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert db.execute("SELECT count(*) FROM versions v WHERE NOT EXISTS "
                          "(SELECT 1 FROM status_changes s WHERE s.version_id = v.id)").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM options o WHERE NOT EXISTS "
                          "(SELECT 1 FROM versions v WHERE v.option_id = o.id)").fetchone()[0] == 0
        for option_id, n, top in db.execute("SELECT option_id, count(*), max(number) FROM versions GROUP BY option_id"):
            assert n == top, f"option {option_id}: {n} versions numbered up to {top}"


# ---------------------------------------------------------------------------------------------
# Saving, versions, status
# ---------------------------------------------------------------------------------------------


def test_created_on_first_use_with_schema_and_wal(tmp_path):
    path = tmp_path / "deep" / "folder" / "book.sqlite3"
    with pytest.raises(BookMissing, match="created when the first option is saved"):
        Book(path, create=False)
    assert not path.exists()
    with Book(path) as book:
        assert book.schema_version() == store.MIGRATIONS[-1][0]
        assert [m[0] for m in book.migrations()] == [n for n, _, _ in store.MIGRATIONS]
    with contextlib.closing(raw(path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA application_id").fetchone()[0] == store.APPLICATION_ID
        assert db.execute("PRAGMA user_version").fetchone()[0] == store.MIGRATIONS[-1][0]
    with Book(path) as again:  # opening again applies nothing twice
        assert len(again.migrations()) == len(store.MIGRATIONS)


def test_a_version_keeps_scenario_list_figures_author_time_and_note(tmp_path):
    nene = load_practices(NENE).practices
    scenario = Scenario(name="Six pounds").with_changes({"pot.rate_per_head": 6.0})
    res = run(nene, scenario)
    fp = practice_list_print(nene, "nene_2014_15.csv")
    with Book(tmp_path / "b.sqlite3") as book:
        v = book.save("Six pounds", dump_scenario(scenario), scenario.name, fp, headlines(res.totals()), "Ann Lee",
                      "for the March meeting")
        got = book.version(v.id)
    assert got.title == "Six pounds v1" and got.status == "draft" and got.author == "Ann Lee"
    assert got.note == "for the March meeting" and got.saved_at.endswith("Z")
    assert got.practice_list == fp and fp.rows == 69 and fp.commissioners == ("04G",)
    assert got.headlines["pot"] == pytest.approx(647_677 * 6.0)
    assert got.scenario_yaml == dump_scenario(scenario)


def test_numbers_count_up_per_option_and_names_ignore_case(tmp_path):
    with Book(tmp_path / "b.sqlite3") as book:
        a1, a2 = save(book, "Option A"), save(book, "option a")
        b1 = save(book, "Option B")
        assert (a1.number, a2.number, b1.number) == (1, 2, 1)
        assert a2.option == "Option A"
        assert [o.name for o in book.options()] == ["Option A", "Option B"]
        assert book.find("Option A").id == a2.id
        assert book.find("option a@1").id == a1.id
        assert book.find("Option A v2").id == a2.id
        assert book.find(f"#{b1.id}").id == b1.id
        with pytest.raises(BookError, match="has no version 7"):
            book.find("Option A@7")
        with pytest.raises(BookError, match="no option or version 'Nope'"):
            book.find("Nope")


def test_status_goes_draft_shortlisted_agreed_with_who_and_when(tmp_path):
    with Book(tmp_path / "b.sqlite3") as book:
        v = save(book)
        with pytest.raises(BookError, match="shortlist it before"):
            book.set_status(v.id, "agreed", "Chair")
        book.set_status(v.id, "shortlisted", "Bob", "finance committee 3 March")
        agreed = book.set_status(v.id, "agreed", "Chair", "governing body 12 March")
        assert agreed.status == "agreed" and agreed.status_by == "Chair"
        assert [(s.status, s.by, s.note) for s in agreed.history] == [
            ("draft", "Ann", ""), ("shortlisted", "Bob", "finance committee 3 March"),
            ("agreed", "Chair", "governing body 12 March")]
        assert book.options()[0].status_text == "agreed (v1)"
        for status in ("draft", "shortlisted"):
            with pytest.raises(BookError, match="was agreed by Chair .* cannot change. Open it and save"):
                book.set_status(v.id, status, "Bob")
        # editing an agreed version starts a new draft: the next save of the option
        new = book.save("Option A", dump_scenario(Scenario(horizon_years=3)), "x", FP, {}, "Bob", based_on=v.id)
        assert (new.number, new.status, new.based_on_title) == (2, "draft", "Option A v1")
        assert book.version(v.id).status == "agreed"


def test_the_database_itself_refuses_to_change_versions_or_agreed_status(tmp_path):
    path = tmp_path / "b.sqlite3"
    with Book(path) as book:
        v = save(book)
        book.set_status(v.id, "shortlisted", "Bob")
        book.set_status(v.id, "agreed", "Chair")
    with contextlib.closing(raw(path)) as db:  # another program, bypassing the code
        for sql in ("UPDATE versions SET scenario_yaml = 'x'", "DELETE FROM versions",
                    "UPDATE status_changes SET status = 'draft'", "DELETE FROM status_changes",
                    "UPDATE options SET name = 'y'", "DELETE FROM options",
                    f"INSERT INTO status_changes (version_id, status, changed_by, changed_at) "
                    f"VALUES ({v.id}, 'draft', 'Mallory', 'now')"):
            with pytest.raises(sqlite3.IntegrityError):
                db.execute(sql)
    with Book(path) as book:
        assert book.version(v.id).status == "agreed"


def test_bad_input_is_a_sentence(tmp_path):
    with Book(tmp_path / "b.sqlite3") as book:
        with pytest.raises(BookError, match="Give the author's name"):
            save(book, author="  ")
        with pytest.raises(BookError, match="option name is 121 characters"):
            save(book, option="x" * 121)
        with pytest.raises(BookError, match="control characters"):
            save(book, option="a\x1b[31mred")
        with pytest.raises(BookError, match="status is one of"):
            book.set_status(1, "approved", "x")
        assert book.versions() == []


def test_user_text_is_stored_as_data_never_run(tmp_path):
    path = tmp_path / "b.sqlite3"
    name = "'); DROP TABLE versions; --"
    with Book(path) as book:
        v = save(book, option=name, author="<script>alert(1)</script>", note="'; DELETE FROM options; --")
        assert book.find(name).id == v.id
    assert counts(path) == {"options": 1, "versions": 1, "status_changes": 1}
    with Book(path) as book:
        got = book.version(v.id)
    assert (got.option, got.author, got.note) == (name, "<script>alert(1)</script>", "'; DELETE FROM options; --")


def test_diff_lists_changed_assumptions_list_and_figures(tmp_path):
    with Book(tmp_path / "b.sqlite3") as book:
        a = save(book)
        changed = Scenario().with_changes({"pot.rate_per_head": 6.0, "les.schemes.les_total":
                                           {"action": "decommission", "fraction": 0.5, "from_year": 1}})
        b = book.save("Option A", dump_scenario(changed), changed.name, OTHER_LIST, {"net_cost": 3.5}, "Bob")
    text = diff_text(a, b)
    assert "Pot: £ per registered patient a year: 5 → 6" in text
    assert "LES (all schemes): kept as now → 50 % decommissioned from 2015/16" in text
    assert "Computed on different practice lists" in text
    assert "Net cost to CCG, first year: £1 → £4 (+£3)" in text
    assert scenario_differences(Scenario(), Scenario()) == []


# ---------------------------------------------------------------------------------------------
# Migrations
# ---------------------------------------------------------------------------------------------


def test_a_newer_migration_is_applied_once_to_an_older_book(tmp_path, monkeypatch):
    path = tmp_path / "b.sqlite3"
    with Book(path) as book:
        save(book)
    step = (2, "meetings table (test)", "CREATE TABLE meetings (id INTEGER PRIMARY KEY, held_on TEXT NOT NULL);")
    monkeypatch.setattr(store, "MIGRATIONS", [*store.MIGRATIONS, step])
    with Book(path) as book:
        assert [m[0] for m in book.migrations()] == [1, 2]
        assert len(book.versions()) == 1
    with Book(path) as book:
        assert [m[0] for m in book.migrations()] == [1, 2]
    monkeypatch.setattr(store, "MIGRATIONS", store.MIGRATIONS[:1])
    with pytest.raises(BookUnavailable, match=r"newer version of the modeller \(book schema 2; this version knows up "
                                              r"to 1\)"):
        Book(path)


# ---------------------------------------------------------------------------------------------
# Two processes at once; a process killed mid-save
# ---------------------------------------------------------------------------------------------

WRITER = textwrap.dedent("""
    import sys
    from book.records import PracticeListPrint
    from book.store import Book
    path, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    fp = PracticeListPrint("a" * 64, "nene_2014_15.csv", 69, ("04G",))
    sys.stdin.readline()  # both start together
    with Book(path) as book:
        for i in range(n):
            book.save("Shared option", f"version: 1\\nname: {who} {i}\\n", f"{who} {i}", fp, {"pot": float(i)}, who)
    print("done", flush=True)
""")


def _python(code: str, *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=REPO, text=True, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def test_two_processes_saving_200_versions_each_lose_nothing(tmp_path):
    """Both create the (new) book and save 200 versions of the same option at the same time: 400 versions,
    numbered 1 to 400 with no number twice, 200 by each."""
    path = tmp_path / "book.sqlite3"
    procs = [_python(WRITER, str(path), who, "200") for who in ("Ann", "Bob")]
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert out.strip() == "done"
    consistent(path)
    assert counts(path) == {"options": 1, "versions": 400, "status_changes": 400}
    with Book(path) as book:
        versions = book.versions()
    assert sorted(v.number for v in versions) == list(range(1, 401))
    assert {a: sum(v.author == a for v in versions) for a in ("Ann", "Bob")} == {"Ann": 200, "Bob": 200}
    for who in ("Ann", "Bob"):  # each process's saves are in its own order
        mine = [v for v in sorted(versions, key=lambda v: v.number) if v.author == who]
        assert [v.scenario_name for v in mine] == [f"{who} {i}" for i in range(200)]


STALLER = textwrap.dedent("""
    import sys, time
    from book.records import PracticeListPrint
    from book.store import Book

    class Stalling(Book):
        stall = False

        def _before_commit(self):  # inside the transaction, everything written but not committed
            if self.stall:
                print("inside the save", flush=True)
                time.sleep(600)

    fp = PracticeListPrint("a" * 64, "nene_2014_15.csv", 69, ("04G",))
    with Stalling(sys.argv[1]) as book:
        book._db.execute("PRAGMA cache_size = 1")  # spill the unfinished save's pages into the WAL file
        for i in range(3):
            book.save("Kept", f"version: 1\\nname: kept {i}\\n", "kept", fp, {}, "Ann")
        print("saved 3", flush=True)
        book.stall = True
        big = "version: 1\\ndescription: '" + "x" * 3900 + "'\\n" + "# padding\\n" * 20000
        book.save("Lost", big, "lost", fp, {"pot": 1.0}, "Ann", "n" * 4000)
""")


def test_a_process_killed_in_the_middle_of_a_save_leaves_the_book_consistent(tmp_path):
    """SIGKILL while the save's rows are written (and spilled to the WAL) but not committed: the book opens,
    SQLite's integrity check says ok, the 3 committed versions are there, nothing of the 4th is, and the
    next save gets number 4."""
    path = tmp_path / "book.sqlite3"
    p = _python(STALLER, str(path))
    assert p.stdout.readline().strip() == "saved 3"
    assert p.stdout.readline().strip() == "inside the save"
    wal = Path(f"{path}-wal")
    assert wal.exists() and wal.stat().st_size > 100_000  # the unfinished save really reached the disk
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    assert p.returncode == -signal.SIGKILL
    consistent(path)
    assert counts(path) == {"options": 1, "versions": 3, "status_changes": 3}
    with Book(path) as book:
        assert book.check() == "ok"
        assert [v.title for v in book.versions()] == ["Kept v1", "Kept v2", "Kept v3"]
        assert save(book, "Kept").number == 4
        with pytest.raises(BookError, match="no option or version 'Lost'"):
            book.find("Lost")


LOOPER = textwrap.dedent("""
    import sys
    from book.records import PracticeListPrint
    from book.store import Book
    fp = PracticeListPrint("a" * 64, "nene_2014_15.csv", 69, ("04G",))
    with Book(sys.argv[1]) as book:
        i = 0
        while True:
            v = book.save(f"Option {i % 3}", f"version: 1\\nname: n{i}\\n", "n", fp, {"pot": float(i)}, "Ann",
                          "note " * 200)
            i += 1
            print(i, flush=True)
""")


@pytest.mark.parametrize("delay", [0.3, 0.45, 0.6, 0.8])
def test_a_process_killed_at_any_moment_leaves_every_committed_save(tmp_path, delay):
    """A process saving in a loop killed at an arbitrary moment: the book is consistent and holds every save
    the process reported as done (and at most the one it was making)."""
    path = tmp_path / "book.sqlite3"
    with Book(path) as book:
        save(book, "Before")
    p = _python(LOOPER, str(path))
    assert p.stdout.readline().strip() == "1"
    time.sleep(delay)
    os.kill(p.pid, signal.SIGKILL)
    reported = [int(x) for x in p.stdout.read().split()] or [1]
    p.wait(timeout=30)
    consistent(path)
    n = counts(path)["versions"] - 1
    assert max(reported) <= n <= max(reported) + 1


# ---------------------------------------------------------------------------------------------
# Locked, busy, read-only, damaged, foreign
# ---------------------------------------------------------------------------------------------


def test_a_locked_book_is_a_sentence(tmp_path, monkeypatch):
    path = tmp_path / "book.sqlite3"
    with Book(path) as book:
        save(book)
    holder = raw(path)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO book_migrations VALUES (99, 'x', 'x')")  # holds the lock, never commits
    try:
        with pytest.raises(BookUnavailable, match="is locked by another program"):
            Book(path, timeout=0.2)
    finally:
        holder.close()
    with Book(path) as book:
        assert len(book.versions()) == 1


def test_a_busy_book_reads_but_says_so_when_saving(tmp_path):
    path = tmp_path / "book.sqlite3"
    with Book(path) as book:
        save(book)
    holder = raw(path)
    holder.execute("BEGIN IMMEDIATE")  # another session in the middle of a long save
    try:
        with Book(path, timeout=0.2) as book:
            assert len(book.versions()) == 1  # readers never wait (WAL)
            with pytest.raises(BookError, match="is busy: another session .* Nothing was saved"):
                save(book)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@contextlib.contextmanager
def read_only(path: Path):
    """Make the book file and its folder read-only, for root too (chattr +i), and undo it afterwards."""
    folder = path.parent
    old = (path.stat().st_mode, folder.stat().st_mode)
    path.chmod(0o444)
    folder.chmod(0o555)
    immutable = os.geteuid() == 0
    try:
        if immutable:
            subprocess.run(["chattr", "+i", str(path), str(folder)], check=True)
        with pytest.raises(OSError):
            open(path, "r+b").close()
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path), str(folder)], check=True)
        folder.chmod(old[1])
        path.chmod(old[0])


def test_a_read_only_book_opens_for_reading_and_says_why_it_cannot_save(tmp_path):
    path = tmp_path / "ro" / "book.sqlite3"
    with Book(path) as book:
        v = save(book)
    with read_only(path):
        with Book(path) as book:
            assert book.read_only
            assert "is read-only" in book.read_only_reason
            assert [x.title for x in book.versions()] == ["Option A v1"]
            with pytest.raises(BookError, match="is read-only .* nothing was saved"):
                save(book)
            with pytest.raises(BookError, match="is read-only .* nothing was marked"):
                book.set_status(v.id, "shortlisted", "Bob")


@pytest.mark.parametrize("content, expected", [
    (b"this is not a database at all " * 200, "is damaged or is not an options book"),
    (b"SQLite format 3\x00" + b"\xff" * 4000, "is damaged or is not an options book"),
])
def test_a_damaged_file_is_a_sentence(tmp_path, content, expected):
    path = tmp_path / "book.sqlite3"
    path.write_bytes(content)
    with pytest.raises(BookUnavailable, match=expected):
        Book(path)
    assert path.read_bytes() == content  # left as it was


def test_a_book_damaged_inside_is_a_sentence_when_read(tmp_path):
    path = tmp_path / "book.sqlite3"
    with Book(path) as book:
        for i in range(30):
            save(book, f"Option {i}", note="n" * 3000)
    data = bytearray(path.read_bytes())
    data[4096 * 3: 4096 * 6] = b"\x00\xff" * (4096 * 3 // 2)  # wipe pages in the middle
    path.write_bytes(bytes(data))
    with pytest.raises(BookError, match="is damaged or is not an options book"):
        with Book(path) as book:
            book.versions()


def test_a_record_written_wrongly_by_another_program_is_a_sentence(tmp_path):
    path = tmp_path / "book.sqlite3"
    with Book(path) as book:
        v = save(book)
    with contextlib.closing(raw(path)) as db:
        insert = ("INSERT INTO versions (option_id, number, scenario_yaml, scenario_name, list_sha256, list_file, "
                  "list_rows, list_commissioners, headlines, author, saved_at) "
                  "SELECT option_id, 2, scenario_yaml, 'x', list_sha256, 'f', 1, '[]', ?, 'Eve', 'now' FROM versions")
        with pytest.raises(sqlite3.IntegrityError):
            db.execute(insert, ("{not json",))  # the schema checks the JSON
        db.execute(insert, ("[1, 2]",))        # JSON, but not figures
    with Book(path) as book:
        with pytest.raises(BookUnavailable, match=r"is damaged: version #2 cannot be read"):
            book.versions()
        assert book.version(v.id).title == "Option A v1"


def test_another_database_or_a_folder_is_refused(tmp_path):
    other = tmp_path / "other.sqlite3"
    with contextlib.closing(raw(other)) as db:
        db.execute("CREATE TABLE accounts (x)")
    with pytest.raises(BookUnavailable, match="is a database but not an options book"):
        Book(other)
    with pytest.raises(BookUnavailable, match="is a folder"):
        Book(tmp_path)

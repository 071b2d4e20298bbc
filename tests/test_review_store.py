"""The review store and queue: migrations, leases, optimistic versions, atomic commits, export."""
from __future__ import annotations

import csv
import json
import sqlite3
import threading
from pathlib import Path

import pytest

from extractor.cli import main as cli_main
from extractor.errors import LeaseConflict, StoreError
from extractor.flat import flat
from extractor.pipeline import extract
from extractor.review import queue
from extractor.review.export import export_csv, export_gold, export_json
from extractor.review.groups import groups_of
from extractor.review.migrations import MIGRATIONS
from extractor.review.records import Commit, QueueFilter
from extractor.review.stats import review_stats
from extractor.review.store import SQLiteStore

from .conftest import SAMPLES, document_of, load_gold

SAMPLE_001 = SAMPLES / "001_6e2b379abcfd2652.txt"
MISPRINTED = "requests.granted.natural_person"  # printed 6 in the variant; the identities say 5


class Clock:
    """A clock the test moves by hand, so lease expiry needs no sleeping."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def misprinted_001(folder: Path) -> Path:
    text = SAMPLE_001.read_text(encoding="utf-8")
    assert text.count("(一) 予以公开\t5\t") == 1
    path = folder / "001_misprinted.txt"
    path.write_text(text.replace("(一) 予以公开\t5\t", "(一) 予以公开\t6\t"), encoding="utf-8")
    return path


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> SQLiteStore:
    return SQLiteStore(tmp_path / "review.sqlite", clock=clock)


@pytest.fixture
def doc(store: SQLiteStore, tmp_path: Path, settings) -> int:
    document_id, added = queue.enqueue(store, extract(misprinted_001(tmp_path), settings))
    assert added
    return document_id


def identity_items(store: SQLiteStore, document_id: int) -> dict[str, tuple[str, str | None]]:
    return {i.rule: (i.status, i.resolution) for i in store.items(document_id) if i.kind == "identity"}


# ---- schema --------------------------------------------------------------------------------------

def test_migrations_from_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite"
    path.touch()
    store = SQLiteStore(path)
    assert store.schema_version() == len(MIGRATIONS)
    assert store.counts() == {"documents": 0, "versions": 0, "items": 0, "corrections": 0, "reviewers": 0}
    SQLiteStore(path)  # opening again applies nothing twice
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == len(MIGRATIONS)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_store_from_newer_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite"
    SQLiteStore(path)
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_version VALUES (99, 'later')")
    with pytest.raises(StoreError, match="newer"):
        SQLiteStore(path)


def test_the_correction_log_is_append_only(store: SQLiteStore, doc: int) -> None:
    queue.apply_correction(store, doc, MISPRINTED, 5, "alice", 1)
    with sqlite3.connect(store.path) as conn, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE corrections SET new_value = '7'")


def test_enqueue_is_idempotent_and_items_come_from_flags_and_findings(store: SQLiteStore, doc: int,
                                                                       tmp_path: Path, settings) -> None:
    again, added = queue.enqueue(store, extract(tmp_path / "001_misprinted.txt", settings))
    assert (again, added) == (doc, False)
    items = store.items(doc)
    assert identity_items(store, doc) == {"row_sum": ("open", None), "outcome_total": ("open", None)}
    assert sum(1 for i in items if i.kind == "cell" and i.rule == "inferred") == 44
    assert store.source(doc).lines[2].startswith("延津县人民政府办公室")


# ---- leases --------------------------------------------------------------------------------------

def test_a_lease_is_taken_by_the_first_action_and_covers_the_whole_document(store: SQLiteStore, doc: int,
                                                                            clock: Clock) -> None:
    assert store.lease_of(doc) is None  # queued and viewed: nobody holds it yet
    cell = next(i for i in store.items(doc) if i.kind == "cell")
    queue.accept(store, cell.id, "alice")
    lease = store.lease_of(doc)
    assert lease is not None and lease.holder == "alice"
    unitemed = "requests.carried_forward.total"  # no item of its own: the old item leases did not cover it
    assert not any(unitemed in i.keys for i in store.items(doc))
    with pytest.raises(LeaseConflict, match="alice is working on document"):
        queue.apply_correction(store, doc, unitemed, 3, "bob", 1)
    with pytest.raises(LeaseConflict, match="alice"):
        queue.accept(store, store.items(doc)[1].id, "bob")
    assert store.next_document("bob") is None and store.next_document("alice") == doc
    [row] = store.queue(QueueFilter())
    assert row.lease is not None and row.lease.holder == "alice"  # visible to others
    clock.now += store.lease_seconds + 1  # an idle holder loses it
    assert store.lease_of(doc) is None
    assert queue.apply_correction(store, doc, unitemed, 3, "bob", 1) == 2
    assert store.lease_of(doc).holder == "bob"


def test_a_lease_ends_when_nothing_is_left_open_or_the_reviewer_leaves(store: SQLiteStore, doc: int) -> None:
    queue.take_lease(store, doc, "alice")
    store.release(doc, "bob")  # only the holder can give it back
    assert store.lease_of(doc).holder == "alice"
    store.release(doc, "alice")
    assert store.lease_of(doc) is None
    queue.take_lease(store, doc, "alice")
    store.release_all("alice")  # signing out
    assert store.lease_of(doc) is None
    version = store.current(doc).number
    for group in groups_of(store.current(doc).result(), store.items(doc)):
        queue.accept_group(store, doc, group.id, "alice", version)
        if group.id != groups_of(store.current(doc).result(), store.items(doc))[-1].id:
            assert store.lease_of(doc).holder == "alice"
    assert all(i.status == "settled" for i in store.items(doc))
    assert store.lease_of(doc) is None  # released with the save that settled the last item


# ---- corrections ---------------------------------------------------------------------------------

def test_a_correction_writes_a_version_settles_what_it_resolves_and_logs(store: SQLiteStore, doc: int) -> None:
    number = queue.apply_correction(store, doc, MISPRINTED, "5", "alice", 1, reason="misread", note="page 2")
    assert number == 2
    old, new = store.versions(doc)
    assert old.result().report.values[MISPRINTED].value == 6  # the original stays in its version
    value = new.result().report.values[MISPRINTED]
    assert (value.value, value.method, value.raw) == (5, "corrected", "6")
    assert new.created_by == "alice" and new.result().findings == []
    assert identity_items(store, doc) == {"row_sum": ("settled", "resolved"), "outcome_total": ("settled", "resolved")}
    [entry] = store.corrections(doc)
    assert (entry.key, entry.old, entry.new, entry.reason, entry.source_error, entry.note, entry.version) == \
        (MISPRINTED, 6, 5, "misread", False, "page 2", 2)


def test_a_correction_that_breaks_an_identity_opens_an_item(store: SQLiteStore, doc: int) -> None:
    queue.apply_correction(store, doc, MISPRINTED, 5, "alice", 1)
    queue.apply_correction(store, doc, "requests.carried_forward.total", 3, "alice", 2)
    assert identity_items(store, doc)["balance"] == ("open", None)


def test_invalid_corrections_are_refused(store: SQLiteStore, doc: int) -> None:
    for key, value, message in [(MISPRINTED, "five", "whole number"), (MISPRINTED, -1, "negative"),
                                (MISPRINTED, 6, "nothing to correct"), ("requests.nonsense.total", 1, "not a key")]:
        with pytest.raises(StoreError, match=message):
            queue.apply_correction(store, doc, key, value, "alice", 1)
    assert store.counts()["versions"] == 1


@pytest.mark.parametrize(("reviewers", "refusal"), [
    (("alice", "bob"), "is working on document"),  # the first to write holds the document
    (("alice", "alice"), "changed while you were editing"),  # one reviewer in two tabs: the version check
])
def test_two_concurrent_corrections_on_one_item_lose_no_update(store: SQLiteStore, doc: int,
                                                               reviewers: tuple[str, str], refusal: str) -> None:
    barrier = threading.Barrier(2)
    outcomes: dict[int, object] = {}

    def correct(reviewer: str, value: int) -> None:
        own = SQLiteStore(store.path)  # a connection of its own, as two server workers would have
        barrier.wait()
        try:
            outcomes[value] = queue.apply_correction(own, doc, MISPRINTED, value, reviewer, 1)
        except StoreError as exc:
            outcomes[value] = exc

    threads = [threading.Thread(target=correct, args=a) for a in zip(reviewers, (5, 7))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [v for v, o in outcomes.items() if o == 2]
    losers = [o for o in outcomes.values() if isinstance(o, StoreError)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert refusal in str(losers[0])
    current = store.current(doc)
    assert current.number == 2 and current.result().report.values[MISPRINTED].value == winners[0]
    assert [c.new for c in store.corrections(doc)] == winners


def test_the_store_itself_refuses_a_stale_commit(store: SQLiteStore, doc: int) -> None:
    # Both commits were prepared from version 1 (the race the early check cannot see).
    base = store.current(doc)
    commits = [Commit(document_id=doc, base_version=1, result_json=base.result_json, reviewer=r, audit=(), items=())
               for r in ("alice", "bob")]
    assert SQLiteStore(store.path).commit(commits[0]) == 2
    with pytest.raises(StoreError, match="you saw version 1, but version 2 was saved by alice"):
        SQLiteStore(store.path).commit(commits[1])


@pytest.mark.parametrize("step", ["_insert_audit", "_sync_items"])
def test_a_crash_mid_correction_leaves_nothing_half_written(store: SQLiteStore, doc: int, step: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    before = store.counts()
    items_before = store.items(doc)

    def power_cut(*args: object, **kwargs: object) -> None:
        raise RuntimeError("power cut after the version insert")

    monkeypatch.setattr(SQLiteStore, step, power_cut)
    with pytest.raises(RuntimeError, match="power cut"):
        queue.apply_correction(store, doc, MISPRINTED, 5, "alice", 1)
    assert store.counts() == before
    assert store.current(doc).number == 1
    assert store.items(doc) == items_before
    monkeypatch.undo()
    assert queue.apply_correction(store, doc, MISPRINTED, 5, "alice", 1) == 2  # and the store still works


# ---- accept, source error, skip ------------------------------------------------------------------

def test_accept_and_skip(store: SQLiteStore, doc: int) -> None:
    cells = [i for i in store.items(doc) if i.kind == "cell"]
    queue.accept(store, cells[0].id, "alice", note="blank zero")
    queue.skip(store, cells[1].id, "alice")
    assert (store.item(cells[0].id).status, store.item(cells[0].id).resolution) == ("settled", "accepted")
    assert store.item(cells[1].id).status == "skipped"
    accepted, skipped = store.corrections(doc)  # a skip is logged too: it is a reviewer's decision
    assert (accepted.key, accepted.old, accepted.new, accepted.reason) == (cells[0].keys[0], 0, 0, "accepted")
    assert (skipped.key, skipped.reason) == (cells[1].keys[0], "skipped")
    assert accepted.decision != skipped.decision
    with pytest.raises(LeaseConflict, match="alice is working on"):
        queue.accept(store, cells[0].id, "bob")
    with pytest.raises(StoreError, match="already settled"):
        queue.accept(store, cells[0].id, "alice")
    queue.accept(store, cells[1].id, "alice")  # a skipped item can still be settled
    assert [r.open for r in store.queue(QueueFilter())] == [len(store.items(doc)) - 2]


def test_a_source_error_keeps_the_printed_value_and_settles_its_identities(store: SQLiteStore, doc: int) -> None:
    assert queue.mark_source_error(store, doc, MISPRINTED, "alice", 1, note="the report adds up to 5") == 2
    value = store.current(doc).result().report.values[MISPRINTED]
    assert value.value == 6 and "source_error" in value.flags
    assert identity_items(store, doc) == {"row_sum": ("settled", "source_error"),
                                          "outcome_total": ("settled", "source_error")}
    [entry] = store.corrections(doc)
    assert entry.source_error and entry.old == entry.new == 6
    queue.apply_correction(store, doc, "requests.granted.other_org", 0 + 1, "alice", 2)
    queue.apply_correction(store, doc, "requests.granted.other_org", 0, "alice", 3)
    assert identity_items(store, doc)["row_sum"] == ("settled", "source_error")  # not reopened


def test_queue_filters(store: SQLiteStore, doc: int, settings) -> None:
    queue.enqueue(store, extract(SAMPLES / "002_bedebc31cbf810fe.txt", settings))  # nothing to review
    assert [r.document.id for r in store.queue(QueueFilter())] == [doc]
    assert len(store.queue(QueueFilter(status="any"))) == 2
    assert store.queue(QueueFilter(rule="row_sum"))[0].matching == 1
    assert store.queue(QueueFilter(org="延津", year=2024, format="text"))[0].matching == len(store.items(doc))
    assert store.queue(QueueFilter(year=2019)) == [] and store.queue(QueueFilter(format="pdf")) == []
    assert {"inferred", "row_sum", "outcome_total"} <= set(store.rules())


# ---- export --------------------------------------------------------------------------------------

def settle_everything(store: SQLiteStore, doc: int, reviewer: str = "alice") -> None:
    """Accept every open group as it stands: what a reviewer who agrees with the rest does."""
    for group in groups_of(store.current(doc).result(), store.items(doc)):
        if group.status != "settled":
            queue.accept_group(store, doc, group.id, reviewer, store.current(doc).number)


def test_export_json_csv_and_gold_round_trip(store: SQLiteStore, doc: int, tmp_path: Path, scorer,
                                             settings) -> None:
    queue.apply_correction(store, doc, MISPRINTED, 5, "alice", 1)
    settle_everything(store, doc)
    corrected = flat(store.current(doc).result())

    [json_path] = export_json(store, tmp_path / "json")
    exported = json.loads(json_path.read_text(encoding="utf-8"))
    assert exported["values"][MISPRINTED] == 5 and exported["review"]["version"] == 2
    assert exported["status"] == "reviewed" and exported["review"]["reviewed"] is True

    csv_path = export_csv(store, tmp_path / "out" / "reviewed.csv")  # --out FILE writes that file
    assert csv_path == tmp_path / "out" / "reviewed.csv" and csv_path.is_file()
    with csv_path.open(encoding="utf-8", newline="") as fh:
        [row] = list(csv.DictReader(fh))
    assert row[MISPRINTED] == "5" and row["org"] == "延津县人民政府办公室" and row["version"] == "2"
    assert row["status"] == "reviewed" and row["open_items"] == "0"

    [gold_path] = export_gold(store, tmp_path / "gold")
    assert gold_path.name == "001_misprinted.txt.gold.json"
    gold = load_gold(gold_path)
    assert gold["template"] == "2021" and gold["aliases"] == {} and gold["must_flag"] == []
    assert gold["reviewed"] is True
    assert set(gold["implied"]) == set(load_gold(SAMPLES / "001_6e2b379abcfd2652.txt.gold.json")["implied"])
    score = scorer(gold, corrected)
    assert score["accuracy"] == 1.0 and score["silent_errors"] == 0, score["wrong"]
    # the export is a labelled set: the document sits beside its gold and the extractor can be scored on it
    rescored = scorer(gold, flat(extract(document_of(gold_path), settings)))
    assert rescored["silent_errors"] == 0, rescored["wrong"]
    assert [w[0] for w in rescored["wrong"]] == [MISPRINTED]  # the misread, caught by its identities


def test_gold_export_takes_settled_documents_only(store: SQLiteStore, doc: int, tmp_path: Path,
                                                  settings) -> None:
    other, _ = queue.enqueue(store, extract(SAMPLES / "003_789289a633dda78a.txt", settings))
    queue.apply_correction(store, doc, MISPRINTED, 5, "alice", 1)  # reviewed in part: not settled
    assert export_gold(store, tmp_path / "none") == []
    assert not (tmp_path / "none").exists()  # not even an empty folder that looks like a labelled set
    both = export_gold(store, tmp_path / "all", include_open=True)
    assert len(both) == 2
    for path in both:
        gold = load_gold(path)
        assert gold["reviewed"] is False and gold["notes"][0].startswith("NOT REVIEWED")
    settle_everything(store, other)
    [only] = export_gold(store, tmp_path / "settled")
    assert only.name == "003_789289a633dda78a.txt.gold.json" and load_gold(only)["reviewed"] is True
    statuses = {json.loads(p.read_text(encoding="utf-8"))["document"]: json.loads(p.read_text(encoding="utf-8"))
                ["status"] for p in export_json(store, tmp_path / "json")}
    assert statuses == {"001_misprinted.txt": "needs_review", "003_789289a633dda78a.txt": "reviewed"}


def test_a_source_error_exports_as_must_flag(store: SQLiteStore, doc: int, tmp_path: Path, scorer,
                                             settings) -> None:
    queue.mark_source_error(store, doc, MISPRINTED, "alice", 1)
    settle_everything(store, doc)
    [gold_path] = export_gold(store, tmp_path)
    gold = load_gold(gold_path)
    assert gold["must_flag"] == [MISPRINTED] and gold["values"][MISPRINTED] == 6  # the printed value
    for out in (flat(store.current(doc).result()), flat(extract(document_of(gold_path), settings))):
        score = scorer(gold, out)
        assert score["accuracy"] == 1.0 and score["silent_errors"] == 0, score["wrong"]


def test_csv_export_defuses_spreadsheet_formulas(store: SQLiteStore, tmp_path: Path, settings) -> None:
    result = extract(SAMPLE_001, settings)
    result.report.values["meta.org_name"].value = "=HYPERLINK(\"http://x\")"
    queue.enqueue(store, result, data=SAMPLE_001.read_bytes())
    with export_csv(store, tmp_path).open(encoding="utf-8", newline="") as fh:
        [row] = list(csv.DictReader(fh))
    assert row["meta.org_name"].startswith("'=")


# ---- the command line ----------------------------------------------------------------------------

def test_review_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    db = str(tmp_path / "cli.sqlite")
    assert cli_main(["review", "add", str(SAMPLE_001), str(tmp_path / "missing.txt"), "--db", db]) == 0
    out = capsys.readouterr()
    assert "added" in out.out and "missing.txt" in out.err
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("correct horse battery\n"))
    assert cli_main(["review", "user", "add", "alice", "--password-stdin", "--db", db]) == 0
    assert cli_main(["review", "user", "add", "bot", "--token", "--db", db]) == 0
    token = capsys.readouterr().out.strip()
    store = SQLiteStore(db)
    from extractor.review.auth import token_hash, verify_password

    assert verify_password("correct horse battery", store.password_hash("alice"))
    assert store.token_user(token_hash(token)) == "bot"
    assert cli_main(["review", "export", "--db", db, "--out", str(tmp_path / "gold"), "--as-gold"]) == 0
    assert not (tmp_path / "gold").exists()  # nothing settled: no gold
    assert "no settled document" in capsys.readouterr().err
    assert cli_main(["review", "export", "--db", db, "--out", str(tmp_path / "gold"), "--as-gold",
                     "--include-open"]) == 0
    assert (tmp_path / "gold" / "001_6e2b379abcfd2652.txt").read_bytes() == SAMPLE_001.read_bytes()
    assert load_gold(tmp_path / "gold" / "001_6e2b379abcfd2652.txt.gold.json")["reviewed"] is False
    assert cli_main(["review", "export", "--db", db, "--out", str(tmp_path / "x.csv"), "--format", "csv"]) == 0
    assert (tmp_path / "x.csv").is_file()
    (tmp_path / "csv").mkdir()
    assert cli_main(["review", "export", "--db", db, "--out", str(tmp_path / "csv"), "--format", "csv"]) == 0
    assert (tmp_path / "csv" / "reports.csv").is_file()
    assert cli_main(["review", "stats", "--db", db]) == 0
    assert "decisions per document" in capsys.readouterr().out


# ---- effort, from the audit log ------------------------------------------------------------------

def test_decisions_and_minutes_per_settled_document(store: SQLiteStore, doc: int, clock: Clock, settings) -> None:
    other, _ = queue.enqueue(store, extract(SAMPLES / "003_789289a633dda78a.txt", settings))
    third, _ = queue.enqueue(store, extract(SAMPLES / "000_4ae575586cf2a2c2.txt", settings))
    assert review_stats(store).settled == 0 and review_stats(store).decisions_per_document is None
    clock.now += 30
    queue.apply_correction(store, doc, MISPRINTED, 5, "alice", 1)  # starts alice's session: no time known
    rest = [g for g in groups_of(store.current(doc).result(), store.items(doc)) if g.status == "open"]
    for group in rest:
        clock.now += 60
        queue.accept_group(store, doc, group.id, "alice", 2)
    for group in groups_of(store.current(other).result(), store.items(other)):
        clock.now += 90  # each 90 s after alice's decision before it
        queue.accept_group(store, other, group.id, "alice", 1)
    n = len(groups_of(store.current(other).result(), store.items(other)))
    clock.now += 45 * 60  # a break
    queue.skip(store, store.items(third)[0].id, "alice")
    stats = review_stats(store)
    m = 1 + len(rest)
    assert (stats.documents, stats.settled, stats.open, stats.decisions) == (3, 2, 1, m + n + 1)
    assert stats.decisions_per_document == (m + n) / 2
    assert stats.minutes_per_document == pytest.approx((60 * len(rest) + 90 * n) / 2 / 60)
    assert stats.summary().startswith("2 of 3 documents settled: ")

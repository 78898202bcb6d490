"""Property tests: random and malformed input gives a correct table or an InputError, nothing else."""

from __future__ import annotations

import gzip
import re

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enhancerlm.errors import InputError
from enhancerlm.sequences.records import COLUMNS, make_table
from enhancerlm.sequences.spec import parse_spec, read_spec
from enhancerlm.sequences.validate import clean_sequence, validate_table

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
VALID = "ACGTNRYSWKMBDHVU"  # U: RNA, read as T
ALLOWED = set(VALID + VALID.lower())  # not `s.upper()`: "ß".upper() == "SS"
JUNK = "XZ*-.0é"
TEXT = st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\x00")
SEQ_LINE = st.text(alphabet=VALID + VALID.lower() + JUNK, min_size=1, max_size=8)


def _expected_clean(seq: str) -> str:
    return re.sub("[RYSWKMBDHV]", "N", seq.upper()).replace("U", "T")


def _unique_ids(ids: list[str]) -> list[str]:
    """The renaming rule, written out plainly: a used id gets the first free NAME~n, n = 2, 3, ..."""
    used, out = set(), []
    for name in ids:
        new, n = name, 2
        while new in used:
            new, n = f"{name}~{n}", n + 1
        used.add(new)
        out.append(new)
    return out


def _read_or_error(spec: str) -> pd.DataFrame | None:
    """The table, or None after an InputError; any other exception fails the test."""
    try:
        table = read_spec(spec)
    except InputError:
        return None
    assert list(table.columns) == list(COLUMNS) and len(table) > 0
    assert table["sequence"].str.fullmatch("[ACGTN]+").all()
    assert table["id"].is_unique and (table["id"] != "").all()
    return table


@FUZZ
@given(
    data=st.binary(max_size=300),
    name=st.sampled_from(["x.fa", "x.csv", "x.tsv", "x.txt"]),
    gz=st.booleans(),
    header=st.sampled_from([b"", b">", b"sequence,label\n", b"sequence\tlabel\n"]),
)
def test_random_bytes(tmp_path, data, name, gz, header):
    payload = header + data
    (tmp_path / name).write_bytes(gzip.compress(payload) if gz else payload)
    _read_or_error(str(tmp_path / name))


@FUZZ
@given(
    records=st.lists(st.tuples(st.text(TEXT, max_size=10), st.lists(SEQ_LINE, max_size=3)), max_size=5),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    blank=st.booleans(),
    gz=st.booleans(),
)
def test_fasta_matches_a_model_of_the_format(tmp_path, records, newline, blank, gz):
    lines = []
    for header, seq_lines in records:
        lines += [f">{header}"] + seq_lines + ([""] if blank else [])
    payload = newline.join(lines).encode()
    (tmp_path / "m.fa").write_bytes(gzip.compress(payload) if gz else payload)
    table = _read_or_error(f"{tmp_path / 'm.fa'}:enhancer")
    expected = _fasta_model(records)
    if expected is None:
        assert table is None
    else:
        assert table is not None and list(zip(table["id"], table["sequence"])) == expected
        assert set(table["label"]) == {"enhancer"}


def _fasta_model(records) -> list[tuple[str, str]] | None:
    """What a correct reader returns, or None where it must raise InputError."""
    words = [header.encode().split(maxsplit=1) for header, _ in records]
    seqs = ["".join(seq_lines) for _, seq_lines in records]
    if not records or not all(words) or not all(seqs) or any(set(s) - ALLOWED for s in seqs):
        return None
    ids = [w[0].decode() for w in words]
    return list(zip(_unique_ids(ids), map(_expected_clean, seqs)))


@FUZZ
@given(
    rows=st.lists(
        st.tuples(st.text(TEXT, max_size=6), st.text(TEXT, max_size=8), st.text(TEXT, max_size=5)), max_size=5
    ),
    sep=st.sampled_from([",", "\t"]),
)
def test_table_cells_with_junk(tmp_path, rows, sep):
    path = tmp_path / ("t.csv" if sep == "," else "t.tsv")
    pd.DataFrame(rows, columns=["id", "sequence", "label"]).to_csv(path, sep=sep, index=False)
    table = _read_or_error(str(path))
    clean_rows = [(i.strip(), s.strip(), lab.strip()) for i, s, lab in rows]
    ids = [i for i, _, _ in clean_rows]
    valid = clean_rows and all(ids) and all(s and not set(s) - ALLOWED for _, s, _ in clean_rows)
    if valid:
        assert table is not None
        assert table[["id", "sequence", "label"]].values.tolist() == [
            [i, _expected_clean(s), lab] for i, (_, s, lab) in zip(_unique_ids(ids), clean_rows)
        ]
        assert table["description"].tolist() == ids
    else:
        assert table is None


@settings(max_examples=100, deadline=None)
@given(seqs=st.lists(st.text(alphabet=VALID + VALID.lower() + JUNK + " \t", max_size=12), min_size=1, max_size=6))
def test_vectorised_validation_agrees_with_clean_sequence(seqs):
    table = make_table([f"r{i}" for i in range(len(seqs))], seqs, source="s")
    errors = []
    for i, seq in enumerate(seqs):
        try:
            clean_sequence(seq, f"r{i}", "s")
        except InputError as err:
            errors.append(str(err))
    if errors:
        with pytest.raises(InputError) as info:
            validate_table(table)
        assert str(info.value) in errors  # the same message for one of the bad records
    else:
        assert validate_table(table)["sequence"].tolist() == [_expected_clean(s) for s in seqs]


@settings(max_examples=100, deadline=None)
@given(spec=st.text(max_size=20))
def test_random_spec_strings(spec):
    try:
        parsed = parse_spec(spec)
    except InputError:
        return
    assert parsed.kind in ("fasta", "table", "genomic_benchmarks", "hub")

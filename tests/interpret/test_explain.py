"""`explain` end to end on planted motifs (the truth is known), its config, and the CLI command."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from enhancerlm.cli.explain import register
from enhancerlm.errors import ConfigError
from enhancerlm.interpret import ExplainConfig, explain

pytest.importorskip("pyjaspar", reason="optional `interpret` extra")
pytest.importorskip("logomaker", reason="optional `interpret` extra")

PLANTED = {"CEBPB": "MA0466.4", "CTCF": "MA0139.2"}


@pytest.fixture(scope="module")
def explained(learned_model, planted_test, tmp_path_factory):
    out = tmp_path_factory.mktemp("explain") / "out"
    config = ExplainConfig(n_plots=1, rc_seqs=4, null_seqs=30, max_seqs=None, jaspar_release="JASPAR2024")
    planted = planted_test.planted[planted_test.planted["kind"] == "motif"]
    return explain(learned_model, planted_test.table, out, config, planted=planted)


def test_planted_motifs_come_back_as_top_jaspar_matches(explained):
    motifs = explained.motifs
    for tf, matrix_id in PLANTED.items():
        # JASPAR holds near-copies within a family (CEBPB/CEBPE/CEBPG), so the family must come first
        # and the planted matrix must be among the listed matches.
        rows = motifs[motifs["match_1_name"].str.upper().str.startswith(tf[:4])]
        assert len(rows) >= 1, motifs[["consensus", "matches"]]
        row = rows.iloc[0]
        assert matrix_id in row["matches"]
        assert row["match_1_q"] < 0.05
        assert row["seqlets_enhancer"] > 5 * row["seqlets_not_enhancer"]
        assert row["hits_enhancer"] > row["hits_not_enhancer"]


def test_summary_reports_planted_auroc_and_strand_consistency(explained):
    summary = json.loads((explained.out_dir / "summary.json").read_text())
    assert summary["planted_auroc"]["ism"] >= 0.9
    assert summary["rc_pearson_mean"]["ism"] == pytest.approx(1.0)  # canonical k-mers: strand-blind
    assert summary["n_sequences"] == 60 and summary["n_motifs"] == len(explained.motifs)


def test_output_folder_holds_every_table_and_picture(explained):
    out = explained.out_dir
    attributions = pd.read_csv(out / "attributions.tsv", sep="\t")
    assert attributions.columns.tolist() == ["id", "seq_index", "position", "base", "ism"]
    assert len(attributions) == 60 * 100 and attributions["seq_index"].tolist() == sorted(list(range(60)) * 100)
    mutations = pd.read_csv(out / "mutations.tsv", sep="\t")
    assert len(mutations) == 60 * 10 and (mutations["ref"] != mutations["alt"]).all()
    assert len(list((out / "tracks").glob("*.png"))) == 1
    assert len(list((out / "logos").glob("*.png"))) == len(explained.motifs)
    assert set(pd.read_csv(out / "seqlets.tsv", sep="\t")["motif"].dropna()) >= set(explained.motifs["motif"])
    page = (out / "explain.html").read_text()
    assert page.count("data:image/png;base64,") == 1 + len(explained.motifs)
    assert 'src="logos/' not in page and "CTCF" in page


def test_a_failed_run_leaves_the_old_folder_alone(learned_model, planted_test, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("old")
    with pytest.raises(ConfigError, match="--method ism"):
        explain(learned_model, planted_test.table, out, ExplainConfig(methods=("ig",)))
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_repeated_ids_are_explained_by_position(learned_model, planted_test, tmp_path):
    """Rows 0 and 2 share an id and a sequence, row 2's mutated: each keeps its own tracks, told apart by seq_index."""
    head = planted_test.table.head(2)
    twin = head.head(1).assign(sequence=lambda t: "T" * 10 + t["sequence"].str[10:])
    table = pd.concat([head, twin])
    config = ExplainConfig(n_plots=0, rc_seqs=3, motifs=False, max_seqs=None)
    result = explain(learned_model, table, tmp_path / "out", config)
    attributions = pd.read_csv(tmp_path / "out" / "attributions.tsv", sep="\t")
    first_id = table["id"].iloc[0]
    assert attributions.groupby("seq_index")["id"].first().tolist() == [first_id, table["id"].iloc[1], first_id]
    for i, seq in enumerate(table["sequence"]):
        rows = attributions[attributions["seq_index"] == i]
        assert "".join(rows["base"]) == seq and rows["ism"].to_numpy() == pytest.approx(
            result.tracks["ism"][i], abs=1e-4
        )
    mutations = pd.read_csv(tmp_path / "out" / "mutations.tsv", sep="\t")
    assert set(mutations["seq_index"]) == {0, 1, 2}
    rc = pd.read_csv(tmp_path / "out" / "rc_consistency.tsv", sep="\t")
    assert rc[["id", "seq_index"]].values.tolist() == [[first_id, 0], [table["id"].iloc[1], 1], [first_id, 2]]


def test_config_rejects_unknown_keys_and_bad_values():
    assert ExplainConfig.from_dict(ExplainConfig(methods=["ig", "ism"]).to_dict()).methods == ("ig", "ism")
    with pytest.raises(ConfigError, match="max_seq"):
        ExplainConfig.from_dict({"max_seq": 3})
    with pytest.raises(ConfigError, match="deeplift"):
        ExplainConfig(methods=("deeplift",))
    with pytest.raises(ConfigError, match="core_bp"):
        ExplainConfig(core_bp=30)


def _app() -> typer.Typer:
    app = typer.Typer()
    app.callback()(lambda: None)  # keeps `explain` a subcommand, as in the real `enhancerlm` app
    register(app)
    return app


def test_cli_explains_a_saved_transformer_with_two_methods(tiny_bert, tmp_path):
    tiny_bert.save(tmp_path / "model")
    fasta = tmp_path / "in.fa"
    fasta.write_text(">a\nACGTTGCAACGTACGGTACCAGT\n>b\nTTGACGTCAGGCATGCAAAGTCA\n")
    args = [
        "explain",
        "--model",
        str(tmp_path / "model"),
        "--input",
        f"{fasta}:enhancer",
        "--out",
        str(tmp_path / "out"),
        "--method",
        "ism",
        "--method",
        "attention",
        "--no-motifs",
        "--n-plots",
        "1",
        "--rc-seqs",
        "1",
    ]
    result = CliRunner().invoke(_app(), args)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "out" / "attributions.tsv", sep="\t")
    assert table.columns.tolist() == ["id", "seq_index", "position", "base", "ism", "attention"] and len(table) == 46
    assert "explained 2 sequences" in result.output
    rc = pd.read_csv(tmp_path / "out" / "rc_consistency.tsv", sep="\t")
    assert rc["method"].tolist() == ["ism", "attention"]


def test_cli_refuses_gradients_for_a_k_mer_model(learned_model, tmp_path):
    learned_model.save(tmp_path / "model")
    fasta = tmp_path / "in.fa"
    fasta.write_text(">a\nACGTTGCAACGTACGG\n")
    result = CliRunner().invoke(
        _app(),
        ["explain", "-m", str(tmp_path / "model"), "-i", str(fasta), "-o", str(tmp_path / "out"), "--method", "ig"],
    )
    assert isinstance(result.exception, ConfigError)
    assert not (tmp_path / "out").exists()


def test_no_motif_still_writes_a_table_header_and_says_so(learned_model, planted_test, tmp_path):
    config = ExplainConfig(min_seqlets=1000, n_plots=0, rc_seqs=0, null_seqs=6)
    result = explain(learned_model, planted_test.table.head(6), tmp_path / "out", config)
    assert result.motifs.empty
    assert (tmp_path / "out" / "motifs.tsv").read_text().startswith("motif\tconsensus\t")
    assert "No motif had enough seqlets" in (tmp_path / "out" / "explain.html").read_text()


@pytest.mark.parametrize(
    "bad", [{"max_seqs": "3"}, {"motifs": 1}, {"n_plots": True}, {"methods": "ism"}, {"null_quantile": 1.0}]
)
def test_config_rejects_wrong_types(bad):
    with pytest.raises(ConfigError, match=next(iter(bad))):
        ExplainConfig.from_dict(bad)


def test_the_page_shows_one_sequence_at_a_time_track_first_positions_from_one(explained):
    import re

    page = (explained.out_dir / "explain.html").read_text()
    assert page.index("<h2>Sequences</h2>") < page.index('<img class="track"') < page.index("<h2>Motifs</h2>")
    section = page[page.index('<section class="seq">') : page.index("</section>")]
    first = explained.table.iloc[0]
    assert f"1. {first['id']} ({first['label']}), 100 bp" in section
    assert section.index('<img class="track"') < section.index("strongest single-base changes")
    best = explained.mutations[explained.mutations["seq_index"] == 0].sort_values("rank").iloc[0]
    assert f"<td>{best['position'] + 1}</td><td>{best['ref']}&gt;{best['alt']}</td>" in section
    seqlets = pd.read_csv(explained.out_dir / "seqlets.tsv", sep="\t")
    for start, end, seq in re.findall(r"<td>(\d+)-(\d+)</td><td>[^<]*</td><td>([ACGTN]+)</td>", section):
        assert first["sequence"][int(start) - 1 : int(end)] == seq  # 1-based, inclusive
        assert ((seqlets["start"] == int(start) - 1) & (seqlets["sequence"] == seq)).any()  # the TSV: 0-based
    # the long table of every sequence's mutations is in mutations.tsv only
    assert page.count("&gt;") <= 5 and "The other 59 sequences are in attributions.tsv" in page

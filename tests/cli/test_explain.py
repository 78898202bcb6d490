"""`enhancerlm explain` on the command line: a bad --config is one clear line and exit status 2."""

from typer.testing import CliRunner

from enhancerlm.cli.main import app


def test_malformed_config_file_is_named_and_exits_2(tmp_path):
    config = tmp_path / "explain.yaml"
    config.write_text("explain:\n  methods: [ism\n")
    fasta = tmp_path / "in.fa"
    fasta.write_text(">a\nACGTACGT\n")
    result = CliRunner().invoke(
        app,
        [
            "explain",
            "-m",
            str(tmp_path / "model"),
            "-i",
            str(fasta),
            "-o",
            str(tmp_path / "out"),
            "--config",
            str(config),
        ],
    )
    assert result.exit_code == 2
    assert f"error: {config}: cannot read config" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_config_section_must_be_a_mapping(tmp_path):
    config = tmp_path / "explain.yaml"
    config.write_text("explain: [ism]\n")
    result = CliRunner().invoke(
        app,
        [
            "explain",
            "-m",
            str(tmp_path / "model"),
            "-i",
            str(config),
            "-o",
            str(tmp_path / "out"),
            "--config",
            str(config),
        ],
    )
    assert result.exit_code == 2
    assert f"error: {config}: expected a mapping of explain settings" in result.output

"""ConfigBase: one from_dict for every settings dataclass; unknown keys named, YAML errors name the file."""

from dataclasses import dataclass

import pytest

from enhancerlm.config import ConfigBase, load_yaml
from enhancerlm.errors import ConfigError


@dataclass(frozen=True)
class Strict(ConfigBase):
    lr: float = 0.1
    names: tuple[str, ...] = ("a",)

    config_label = "strict config"


@dataclass
class Coerced(ConfigBase):
    lr: float = 0.1
    epochs: int | None = None
    lrs: list[float] | None = None
    dedup: bool = True

    coerce_values = True


def test_unknown_keys_are_named_with_the_known_ones():
    known = r"known keys: \['lr', 'names'\]$"
    with pytest.raises(ConfigError, match=r"^strict config: unknown key\(s\) \['epoch'\]; " + known):
        Strict.from_dict({"epoch": 1, "lr": 0.2})
    with pytest.raises(ConfigError, match=r"^config: unknown key\(s\) \['x'\]; known keys: "):
        Coerced.from_dict({"x": 1})


def test_values_are_kept_unless_coercion_is_asked_for():
    assert Strict.from_dict({"lr": "3e-5"}).lr == "3e-5"  # left to the class's own type check
    cfg = Coerced.from_dict({"lr": "3e-5", "epochs": 2.0, "lrs": 1, "dedup": False})
    assert (cfg.lr, cfg.epochs, cfg.lrs, cfg.dedup) == (3e-5, 2, [1.0], False)
    assert Coerced.from_dict({"epochs": None}).epochs is None


@pytest.mark.parametrize("key, value", [("epochs", "many"), ("dedup", "yes"), ("lrs", ["fast"])])
def test_bad_values_are_named(key, value):
    with pytest.raises(ConfigError, match=f"config key '{key}': "):
        Coerced.from_dict({key: value})


def test_to_dict_round_trips_with_tuples_as_lists():
    assert Strict().to_dict() == {"lr": 0.1, "names": ["a"]}
    data = Strict(names=("b", "c")).to_dict()
    assert data == {"lr": 0.1, "names": ["b", "c"]} and Strict.from_dict(data).to_dict() == data


def test_load_yaml_names_the_file(tmp_path):
    good, empty, bad, listed = (tmp_path / n for n in ("good.yaml", "empty.yaml", "bad.yaml", "list.yaml"))
    good.write_text("lr: 3e-5\n")
    empty.write_text("")
    bad.write_text("lr: [1, 2\n")
    listed.write_text("- 1\n")
    assert load_yaml(good) == {"lr": "3e-5"} and load_yaml(empty) == {}
    with pytest.raises(ConfigError, match=r"bad\.yaml: cannot read config"):
        load_yaml(bad)
    with pytest.raises(ConfigError, match=r"list\.yaml: a config file must be a mapping"):
        load_yaml(listed)
    with pytest.raises(ConfigError, match=r"missing\.yaml: cannot read config"):
        load_yaml(tmp_path / "missing.yaml")

"""ConfigBase: settings declared once (type, range, choices, help) and checked once; unknown keys named."""

from dataclasses import dataclass
from typing import Literal

import pytest

from enhancerlm.config import ConfigBase, load_yaml, setting, setting_from
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


def test_values_are_converted_only_where_coercion_is_asked_for():
    with pytest.raises(ConfigError, match=r"^strict config: lr='3e-5' must be float$"):
        Strict.from_dict({"lr": "3e-5"})  # every field's type is checked
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


@dataclass(frozen=True)
class Declared(ConfigBase):
    n: int = setting(5, ge=1, help="How many.")
    share: float = setting(0.1, ge=0, lt=1)
    window_bp: int | None = setting(None, ge=2, unit="bp")
    lrs: tuple[float, ...] = setting((1e-3,), gt=0)
    mode: Literal["a", "b"] = setting("a")
    flag: Literal["auto", True, False] = setting("auto")
    metric: str = setting("x", choices=("x", "y"))
    tags: list[str] = setting(["t"])

    config_label = "declared config"

    def check(self) -> None:
        if self.mode == "b" and self.n > 3:
            raise ConfigError("declared config: mode b takes at most 3")


@dataclass(frozen=True)
class Derived(ConfigBase):
    n: int | None = setting_from(Declared, "n", default=None, note="default: from elsewhere")
    share: float = setting_from(Declared, "share")
    window_bp: int | None = setting_from(Declared, "window_bp", ge=1)  # takes a 1 bp window, unlike Declared


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"n": 0}, "n=0 must be >= 1"),
        ({"n": True}, "n=True must be int"),
        ({"n": 2.0}, "n=2.0 must be int"),
        ({"share": 1}, "share=1 must be >= 0 and < 1"),
        ({"window_bp": 1}, r"window_bp=1 must be >= 2 \(bp\)"),
        ({"window_bp": "5"}, "window_bp='5' must be int or None"),
        ({"lrs": (1e-3, 0.0)}, r"lrs\[1\]=0.0 must be > 0"),
        ({"mode": "c"}, r"mode='c' must be one of \['a', 'b'\]"),
        ({"flag": 1}, "flag=1 must be one of"),  # 1 == True in Python, but it is not a bool
        ({"metric": "z"}, r"metric='z' must be one of \['x', 'y'\]"),
        ({"mode": "b"}, "mode b takes at most 3"),
    ],
)
def test_each_field_is_checked_against_its_declaration(changes, message):
    with pytest.raises(ConfigError, match="^declared config: " + message):
        Declared(**changes)


def test_valid_values_pass_and_lists_become_tuples():
    cfg = Declared(n=3, share=0, window_bp=None, lrs=[1, 2e-3], mode="b", flag=False, tags=["u"])
    assert cfg.lrs == (1, 2e-3) and cfg.flag is False
    assert Declared().tags == ["t"] and Declared().tags is not Declared().tags  # no shared mutable default


def test_a_derived_field_takes_the_owners_rules_and_help():
    assert Derived().n is None and Derived(n=4).n == 4 and Derived().share == 0.1
    with pytest.raises(ConfigError, match="n=0 must be >= 1"):
        Derived(n=0)
    fields = Derived.__dataclass_fields__
    assert fields["n"].metadata["help"] == "How many (default: from elsewhere)."
    assert "help" not in fields["share"].metadata  # the owner's has none: a config key, not a flag
    assert Derived(window_bp=1).window_bp == 1
    with pytest.raises(ConfigError, match=r"window_bp=0 must be >= 1 \(bp\)"):  # the unit is the owner's
        Derived(window_bp=0)


def test_from_shared_takes_the_fields_both_have():
    assert Derived.from_shared(Declared(n=2, share=0.5)) == Derived(n=2, share=0.5)
    assert Derived.from_shared(Declared(), share=0.3).share == 0.3

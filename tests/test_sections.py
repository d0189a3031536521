"""A stage's fingerprint config: keys marked NEUTRAL_DEFAULT count only when set off their default."""

from pydantic import Field

from vertical.hashing import hash_config
from vertical.pretrain.config import PretrainConfig
from vertical.retrieve.config import AdaptConfig, RetrieveConfig
from vertical.sections import NEUTRAL_DEFAULT, Section, result_dump
from vertical.stages import without


class Inner(Section):
    size: int = 1
    extra: int = Field(0, json_schema_extra=NEUTRAL_DEFAULT)


class Outer(Section):
    name: str = "x"
    inner: Inner = Inner()
    items: tuple[Inner, ...] = ()


def test_sections_without_marks_dump_as_model_dump():
    from vertical.finetune.config import LoraConfig
    from vertical.pretrain.config import ObjectiveWeights

    sections = (
        ObjectiveWeights(mlm=0.5, contrastive=0.5),
        LoraConfig(rank=4, target_modules=["q", "v"]),
        Inner(size=3, extra=2),
    )
    for section in sections:
        assert result_dump(section) == section.model_dump()


def test_marked_keys_at_their_default_leave_the_dump_at_any_depth():
    assert result_dump(Outer(items=(Inner(), Inner(extra=4)))) == {
        "name": "x",
        "inner": {"size": 1},
        "items": ({"size": 1}, {"size": 1, "extra": 4}),
    }
    assert result_dump(Outer(inner=Inner(extra=0))) == result_dump(Outer())


def test_a_feature_left_off_keeps_the_pretrain_and_retrieve_fingerprints():
    plain, explicit, used = (
        PretrainConfig(),
        PretrainConfig(head_warmup_steps=0),
        PretrainConfig(head_warmup_steps=5),
    )
    assert "head_warmup_steps" not in without(plain, "save_steps")
    assert hash_config(without(plain, "save_steps")) == hash_config(without(explicit, "save_steps"))
    assert hash_config(without(plain, "save_steps")) != hash_config(without(used, "save_steps"))
    assert "adapt" not in without(RetrieveConfig(), "batch_size")
    assert without(RetrieveConfig(adapt=AdaptConfig()), "batch_size")["adapt"] == AdaptConfig().model_dump()

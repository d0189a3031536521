"""What a stage declares about itself, and the build context the runner hands it.

Each stage sub-package exports one `StageDeclaration` (``vertical/<stage>/declaration.py``): its
name, the earlier stages it may read, which of them it reads for a given recipe, the part of the
recipe that changes its result (parallelism, timeouts and other knobs that do not are left out),
the user files it reads (listed with the walk its reader uses) and its entry function. The runner
(`vertical.pipeline`) builds the graph from these declarations alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vertical.sections import result_dump

if TYPE_CHECKING:
    from vertical.finetune.config import TaskConfig
    from vertical.models import BaseModel
    from vertical.recipe import Recipe
    from vertical.run import StageOutput


@dataclass(frozen=True)
class BuildContext:
    """One build of a recipe: the recipe, its resolved base model, where the stages' folders are.

    Attributes:
        recipe: the validated recipe.
        base: the resolved base model.
        run_root: ``runs/<name>``.
        planned: the stages the recipe has, in order.
        processes: local processes for pretraining (DDP through torchrun) when above 1.
        held_out_tasks: the tasks whose test examples the data stage keeps out, when not the recipe's.
    """

    recipe: Recipe
    base: BaseModel | None  # None only for the data stage run alone, which needs no model
    run_root: Path
    planned: tuple[str, ...] = ()
    processes: int = 1
    held_out_tasks: list[TaskConfig] | None = None

    def stage_dir(self, name: str) -> Path | None:
        """The folder of an earlier stage the recipe has; None for one it does not have."""
        return self.run_root / name if name in self.planned else None

    def needs(self, name: str) -> Path:
        """The folder of an earlier stage this stage cannot do without."""
        folder = self.stage_dir(name)
        if folder is None:  # a declaration's `reads` and its entry disagree: a programming error
            raise RuntimeError(f"stage {name} is read but not planned (planned: {', '.join(self.planned)})")
        return folder


StageFiles = dict[str, "Path | Sequence[Path]"]


@dataclass(frozen=True)
class StageDeclaration:
    """A stage as the runner sees it.

    Attributes:
        name: the stage's name and folder.
        may_read: every earlier stage it can read (the edges of the stage graph in docs/architecture.md).
        wanted: whether a recipe has this stage.
        reads: the earlier stages it reads for a recipe (a subset of `may_read`).
        config: the settings that change its result (they enter its fingerprint).
        files: the user files it reads, named; a list is hashed exactly as its reader walks it.
        entry: does the work: (context, output folder, work folder) -> StageOutput.
    """

    name: str
    may_read: tuple[str, ...]
    wanted: Callable[[Recipe], bool]
    reads: Callable[[Recipe], tuple[str, ...]]
    config: Callable[[BuildContext], dict[str, Any]]
    entry: Callable[[BuildContext, Path, Path], StageOutput]
    files: Callable[[BuildContext], StageFiles] = field(default=lambda context: {})


def without(section: Any, *names: str) -> dict[str, Any]:
    """A recipe section as a dict, without the keys that do not change a result (nor those marked
    `NEUTRAL_DEFAULT` while at their default)."""
    return {key: value for key, value in result_dump(section).items() if key not in names}

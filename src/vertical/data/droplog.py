"""The drop log: one JSON line per document the stage removed, with the reason.

Each datatrove task writes its own file (``drops/<step>-<rank>.jsonl``), so tasks on different
machines never share a file; `merge_drop_logs` joins them into the stage's ``drops.jsonl`` and
counts the reasons. A line reads ``{"id": ..., "source": ..., "line": ..., "reason": ..., "detail": ...}``.
"""

from __future__ import annotations

import json
from collections import Counter
from functools import partial
from pathlib import Path

from datatrove.data import Document as DatatroveDocument
from datatrove.pipeline.writers.jsonl import JsonlWriter

REASON_KEY = "filter_reason"  # where datatrove's filters put the reason of a drop


def drop_record(writer: JsonlWriter, document: DatatroveDocument, default_reason: str = "dropped") -> dict:
    """What the drop log keeps of a dropped document (not its text, which may hold personal data)."""
    metadata = document.metadata
    return {
        "id": document.id or None,
        "source": metadata.get("source"),
        "line": metadata.get("line"),
        "reason": metadata.get(REASON_KEY, default_reason),
        "detail": metadata.get("drop_detail"),
    }


def drop_log_writer(folder: Path, step: str, default_reason: str = "dropped") -> JsonlWriter:
    """A datatrove writer of drop records into ``folder/<step>-<rank>.jsonl``.

    `default_reason` names the drops of steps that give none (datatrove's MinHash filter).
    """
    return JsonlWriter(
        str(folder),
        output_filename=f"{step}-${{rank}}.jsonl",
        compression=None,
        adapter=partial(drop_record, default_reason=default_reason),
    )


def merge_drop_logs(folder: Path, destination: Path) -> Counter[str]:
    """Concatenate the per-task drop logs into `destination`; returns the count of each reason."""
    reasons: Counter[str] = Counter()
    with open(destination, "w", encoding="utf-8") as merged:
        for part in sorted(Path(folder).glob("*.jsonl")):
            with open(part, encoding="utf-8") as handle:
                for line in handle:
                    reasons[json.loads(line)["reason"]] += 1
                    merged.write(line)
    return reasons

"""The data stage's recipe section (``data:``).

Re-exported by `vertical.recipe`, which composes the sections into a `Recipe`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from vertical.sections import Section, existing_path


class DataSource(Section):
    """One corpus file or folder of the data stage."""

    path: str = Field(description="a file, or a folder whose files of known formats are all read")
    format: Literal["auto", "txt", "jsonl", "csv", "parquet"] = Field(
        "auto", description="file format; auto decides by extension (.txt, .jsonl, .jsonl.gz, .csv, .parquet)"
    )
    text_field: str = Field(
        "text", description="the JSON field, CSV column or parquet column holding the text"
    )
    txt_unit: Literal["line", "file"] = Field("line", description="for .txt: a document per line or per file")

    _check_path = field_validator("path")(existing_path)


class DataConfig(Section):
    """The data stage: read, clean, filter, deduplicate, redact personal data, split the domain corpus."""

    sources: list[DataSource] = Field(min_length=1, description="the corpus files")
    min_chars: int = Field(20, ge=0, description="documents shorter than this (after cleaning) are dropped")
    max_chars: int = Field(1_000_000, ge=1, description="documents longer than this are dropped")
    html: bool = Field(True, description="turn documents that look like HTML into their visible text")
    boilerplate: bool = Field(True, description="remove lines repeated across many documents")
    boilerplate_min_share: float = Field(
        0.01, gt=0.0, le=1.0, description="a line is boilerplate when this share of sampled documents has it"
    )
    boilerplate_min_documents: int = Field(5, ge=2, description="... and at least this many of them")
    boilerplate_sample: int = Field(
        10_000, ge=10, description="documents per task sampled to find boilerplate"
    )
    max_symbol_share: float = Field(
        0.3, gt=0.0, le=1.0, description="documents with a larger share of symbol characters are dropped"
    )
    repetition: bool = Field(True, description="Gopher repetition filters on documents of 50 words or more")
    language: Literal["any", "en", "zh"] = Field("any", description="keep only documents in this script")
    dedup: Literal["exact", "near", "none"] = Field(
        "exact", description="exact: drop repeated normalised texts; near: also MinHash near-duplicates"
    )
    near_dedup_threshold: float = Field(
        0.8, ge=0.5, le=0.99, description="Jaccard similarity of word n-grams that makes a duplicate"
    )
    near_dedup_ngram: int = Field(
        5, ge=1, le=20, description="words per shingle (a Chinese character is a word)"
    )
    pii: Literal["redact", "drop", "report", "off"] = Field(
        "redact", description="personal data: replace by <TYPE>, drop the document, only count it, or skip"
    )
    pii_language: Literal["auto", "en", "zh"] = Field(
        "auto", description="which personal-data detectors run: English, Chinese or both"
    )
    leakage: bool = Field(True, description="drop documents that contain a test example of a task")
    leakage_threshold: float = Field(
        0.8, gt=0.0, le=1.0, description="share of an example's word n-grams a document must hold to leak it"
    )
    max_bad_fraction: float = Field(
        0.05, ge=0.0, le=1.0, description="fail when more than this share of records is unreadable"
    )
    validation_fraction: float = Field(0.05, ge=0.0, lt=1.0, description="share of documents held out")
    tasks: int = Field(1, ge=1, description="datatrove tasks: the files are shared out among them")
    workers: int = Field(1, ge=1, description="datatrove tasks run at the same time on this machine")

    @field_validator("sources", mode="before")
    @classmethod
    def _plain_paths(cls, value: Any) -> Any:
        # `sources: [a.jsonl, b.txt]` is shorthand for `[{path: a.jsonl}, {path: b.txt}]`.
        if isinstance(value, list):
            return [{"path": item} if isinstance(item, str) else item for item in value]
        return value

"""Unicode script ranges and word splitting of mixed English/Chinese text, written out once.

Every stage that decides "is this Chinese?" or "where are the words?" uses these, so the data
stage's MinHash, the tokenizer's term mining, whole-word masking, the entity linker and the NER
tagger agree on which characters are ideographs and which scripts have no spaces between words.

- `HAN`: CJK ideographs: the unified block, extension A, the compatibility block, and the
  supplementary-plane extensions B-F and the compatibility supplement.
- `NO_SPACE_SCRIPTS`: HAN plus kana (full- and half-width) and hangul syllables: scripts written
  without spaces, where each character counts as a word.
"""

from __future__ import annotations

import re

# Character classes (the inside of a regex `[...]`).
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef\U0002f800-\U0002fa1f"
KANA = "\u3040-\u30ff\uff66-\uff9f"
HANGUL = "\uac00-\ud7af"
NO_SPACE_SCRIPTS = HAN + KANA + HANGUL

HAN_CHAR = re.compile(f"[{HAN}]")
HAN_RUN = re.compile(f"[{HAN}]+")
NO_SPACE_CHAR = re.compile(f"[{NO_SPACE_SCRIPTS}]")
# A letter run outside HAN (an English word, with an apostrophe part: "bank's"); digits excluded.
LETTER_WORD = re.compile(f"(?:(?![{HAN}])[^\\W\\d_])+(?:['’][^\\W\\d_]+)?")
# A word for counting and shingling: a no-space-script character alone, or a run of letters and
# digits with inner joining marks ("don't", "3.5", "e-mail").
_WORD = re.compile(f"[{NO_SPACE_SCRIPTS}]|[^\\W_]+(?:['’.-][^\\W_]+)*")
# A token for tagging: a no-space-script character, a run of other word characters, or a symbol.
TAGGING_TOKEN = re.compile(f"[{NO_SPACE_SCRIPTS}]|[^\\W{NO_SPACE_SCRIPTS}]+|[^\\w\\s]")


_SENTENCE_END = re.compile(r"(?<=[.!?\u3002\uff01\uff1f])\s*")  # . ! ? and the full-width 。！？


def sentences(text: str) -> list[str]:
    """The sentences of `text`: split after ., !, ? and their full-width forms; blank parts dropped."""
    return [part for part in _SENTENCE_END.split(text) if part.strip()]


def has_han(text: str) -> bool:
    """True when `text` holds at least one CJK ideograph."""
    return HAN_CHAR.search(text) is not None


def words(text: str) -> list[str]:
    """The words of `text`: each ideograph, kana or hangul character, and each run of letters and digits."""
    return _WORD.findall(text)


def tagging_tokens(text: str) -> list[str]:
    """The tokens a tagger labels: as `words`, but every symbol is a token of its own too."""
    return TAGGING_TOKEN.findall(text)

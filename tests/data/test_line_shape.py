import random

from vertical.data.clean import clean_lines
from vertical.data.line_shape import LINE_EDGE, SPACE_RUN, line_shape


def _reference(text: str) -> int:
    edge = (
        text.startswith((" ", "\n"))
        or text.endswith((" ", "\n"))
        or any(pair in text for pair in (" \n", "\n ", "\n\n"))
    )
    return (SPACE_RUN if "  " in text else 0) | (LINE_EDGE if edge else 0)


def test_line_shape_answers_as_the_substring_tests():
    rng = random.Random(0)
    for alphabet in (" \na.", " \na中", " \n"):
        for _ in range(3000):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
            assert line_shape(text) == _reference(text), repr(text)
    assert line_shape("") == 0 and line_shape("a b\nc") == 0


def test_clean_lines_strips_lines_and_runs_of_spaces():
    assert clean_lines(" a  b \n\n c\n") == "a b\nc"
    assert clean_lines("利率  上调\n 股价") == "利率 上调\n股价"
    text = "already\nclean text"
    assert clean_lines(text) is text

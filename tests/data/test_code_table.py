import numpy as np

from vertical.data.code_table import CodeTable


def test_the_table_answers_as_a_dict_while_it_grows():
    rng = np.random.default_rng(0)
    table, reference = CodeTable(bits=4), {}
    for _ in range(20):
        codes = np.unique(rng.integers(0, 5000, rng.integers(1, 400), dtype=np.uint64))  # some again later
        values = rng.integers(1, 2**63, codes.size, dtype=np.uint64)
        table.put(codes, values)
        reference.update(zip(codes.tolist(), values.tolist(), strict=True))
        asked = rng.integers(0, 6000, 1000, dtype=np.uint64)
        assert table.get(asked).tolist() == [reference.get(code, 0) for code in asked.tolist()]
        assert len(table) == len(reference)
    table.clear()
    assert len(table) == 0 and not table.get(np.arange(100, dtype=np.uint64)).any()

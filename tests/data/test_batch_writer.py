import pyarrow.parquet as pq
from datatrove.data import Document
from datatrove.pipeline.writers.parquet import ParquetWriter

from vertical.data.batch_writer import BatchParquetWriter
from vertical.data.split import corpus_row


def _documents(n: int) -> list[Document]:
    return [
        Document(
            text=f"text {i} " * (i % 7 + 1),
            id=f"doc{i}",
            metadata={"source": f"part-{i % 3}.jsonl", "split": "validation" if i % 5 == 0 else "train"},
        )
        for i in range(n)
    ]


def test_the_batch_writer_writes_the_rows_of_datatrove_s_writer(tmp_path):
    for cls, folder in ((ParquetWriter, "datatrove"), (BatchParquetWriter, "batch")):
        writer = cls(
            str(tmp_path / folder),
            output_filename="${split}-${rank}.parquet",
            adapter=corpus_row,
            max_file_size=-1,
            batch_size=64,
            **({"use_dictionary": ["source"]} if cls is BatchParquetWriter else {}),
        )
        assert len(list(writer.run(iter(_documents(1000)), rank=3))) == 1000
    for name in ("train-00003.parquet", "validation-00003.parquet"):
        expected = pq.read_table(tmp_path / "datatrove" / name)
        written = pq.read_table(tmp_path / "batch" / name)
        assert written.schema == expected.schema and written.equals(expected), name
        group = pq.ParquetFile(tmp_path / "batch" / name).metadata.row_group(0)
        dictionary = {group.column(i).path_in_schema: group.column(i).has_dictionary_page for i in range(3)}
        assert dictionary == {"id": False, "text": False, "source": True}
    train = pq.ParquetFile(tmp_path / "batch" / "train-00003.parquet")
    assert train.metadata.num_row_groups == 13  # 800 rows, 64 a group

"""The local model's run-time file: built once per cache folder, int8 weights kept int8 while it runs."""

from pathlib import Path

import onnx

from hugdata.catalog.local_model import quantized_minilm


def test_model_is_built_once_and_reused_from_the_cache(tmp_path: Path) -> None:
    first = quantized_minilm(tmp_path)
    built_at = first.stat().st_mtime_ns
    second = quantized_minilm(tmp_path)
    assert second == first and second.stat().st_mtime_ns == built_at
    assert [p.name for p in tmp_path.iterdir()] == [first.name]  # no build leftovers beside it


def test_weight_matmuls_run_as_integer_matmuls(tmp_path: Path) -> None:
    ops = [node.op_type for node in onnx.load(str(quantized_minilm(tmp_path))).graph.node]
    # Six layers x (Q, K, V, attention output, two feed-forward) weight products; attention's own two stay float.
    assert ops.count("MatMulInteger") == 36
    assert ops.count("MatMul") == 12

"""The compress stage: int8 and ONNX forms of each task model, with a size-latency-accuracy table."""

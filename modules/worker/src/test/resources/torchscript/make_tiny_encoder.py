#!/usr/bin/env python3
"""Builds the tiny TorchScript text encoder the trainer's tests fine-tune (encoder kind = torchscript).

Contract (magnitude.train.encoder, kind = torchscript):
    forward(input_ids: int64 (B, S), attention_mask: int64 (B, S)) -> float32 (B, E)
the raw embedding: token embedding + one Linear + tanh, mean-pooled over the positions where attention_mask = 1.

The vocabulary is that of tokenizer.json next to this script (a copy of the prepare module's tiny WordPiece
test tokenizer, 40 ids, [PAD] = 0). Writes, next to this script:
    tiny_encoder.pt              the scripted module (fixed seed, so reruns give the same weights)
    tiny_encoder_expected.json   input_ids rows, their mask, and the module's outputs in eval mode: the Java
                                 test loads the .pt through the trainer's encoder and must reproduce them
Run with the PyTorch of Debian's python3-torch (1.13): /usr/bin/python3 make_tiny_encoder.py
"""
import json
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
EMBEDDING_DIM = 16
SEED = 20260601


class TinyEncoder(torch.nn.Module):
    def __init__(self, vocabulary: int, dim: int):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocabulary, dim)
        self.layer = torch.nn.Linear(dim, dim)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = torch.tanh(self.layer(self.embedding(input_ids)))
        weights = attention_mask.to(hidden.dtype).unsqueeze(2)
        return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)


def main():
    with open(os.path.join(HERE, "tokenizer.json"), encoding="utf-8") as f:
        vocabulary = len(json.load(f)["model"]["vocab"])
    torch.manual_seed(SEED)
    model = TinyEncoder(vocabulary, EMBEDDING_DIM).eval()
    scripted = torch.jit.script(model)
    scripted.save(os.path.join(HERE, "tiny_encoder.pt"))

    # Rows padded with 0 to S = 6, as the trainer packs them; the last row is a single token.
    rows = [
        [5, 7, 9, 0, 0, 0],
        [6, 10, 11, 12, 13, 14],
        [1, 0, 0, 0, 0, 0],
        [20, 21, 22, 23, 0, 0],
    ]
    ids = torch.tensor(rows, dtype=torch.int64)
    mask = (ids != 0).to(torch.int64)
    with torch.no_grad():
        out = torch.jit.load(os.path.join(HERE, "tiny_encoder.pt"))(ids, mask)
    expected = {
        "torch_version": torch.__version__,
        "vocabulary_size": vocabulary,
        "embedding_dim": EMBEDDING_DIM,
        "input_ids": rows,
        "attention_mask": mask.tolist(),
        "embeddings": [[float(v) for v in row] for row in out.tolist()],
    }
    with open(os.path.join(HERE, "tiny_encoder_expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Builds tiny_bert.onnx, a BERT of a few KB exported by PyTorch's ONNX exporter as transformers' BertModel is
(the same module names, the same forward), and tiny_bert_expected.json, PyTorch's own outputs on it.

The module below re-states transformers' BertModel (embeddings with token types and positions, post-norm layers,
erf GELU, the additive mask (1 - mask) * float32 min) at a tiny size: vocabulary 30, hidden 8, 2 heads, 2 layers,
intermediate 16, 16 positions, LayerNorm eps 1e-12. Every weight is random (LayerNorm gains too), so a weight read
into the wrong place changes the outputs. Exported at opset 11 with constant folding, as the bundled
all-MiniLM-L6-v2 was, so its Linear weights become anonymous transposed onnx::MatMul_<n> initializers.

The JSON holds the config, the input rows (padded with 0 to 7 positions), their attention masks, and the
last_hidden_state PyTorch computes for them in eval mode.

Run with Debian's python3-torch (1.13): /usr/bin/python3 make_tiny_bert_onnx.py
"""
import json
import os

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20261214
CONFIG = {"vocab_size": 30, "hidden_size": 8, "num_hidden_layers": 2, "num_attention_heads": 2,
          "intermediate_size": 16, "max_position_embeddings": 16, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
          "hidden_act": "gelu"}
H, HEADS, I = CONFIG["hidden_size"], CONFIG["num_attention_heads"], CONFIG["intermediate_size"]
EPS = CONFIG["layer_norm_eps"]


class Embeddings(nn.Module):
    def __init__(self):
        super().__init__()
        self.word_embeddings = nn.Embedding(CONFIG["vocab_size"], H)
        self.position_embeddings = nn.Embedding(CONFIG["max_position_embeddings"], H)
        self.token_type_embeddings = nn.Embedding(CONFIG["type_vocab_size"], H)
        self.LayerNorm = nn.LayerNorm(H, eps=EPS)
        self.register_buffer("position_ids", torch.arange(CONFIG["max_position_embeddings"]).expand((1, -1)))

    def forward(self, input_ids, token_type_ids):
        positions = self.position_ids[:, : input_ids.size(1)]
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        return self.LayerNorm(x + self.position_embeddings(positions))


class SelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.query, self.key, self.value = nn.Linear(H, H), nn.Linear(H, H), nn.Linear(H, H)

    def heads(self, x):
        return x.view(x.size()[:-1] + (HEADS, H // HEADS)).permute(0, 2, 1, 3)

    def forward(self, x, mask):
        q, k, v = self.heads(self.query(x)), self.heads(self.key(x)), self.heads(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / ((H // HEADS) ** 0.5) + mask
        context = torch.matmul(scores.softmax(-1), v).permute(0, 2, 1, 3).contiguous()
        return context.view(context.size()[:-2] + (H,))


class DenseNorm(nn.Module):
    def __init__(self, n_in):
        super().__init__()
        self.dense = nn.Linear(n_in, H)
        self.LayerNorm = nn.LayerNorm(H, eps=EPS)

    def forward(self, x, residual):
        return self.LayerNorm(self.dense(x) + residual)


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.self = SelfAttention()
        self.output = DenseNorm(H)

    def forward(self, x, mask):
        return self.output(self.self(x, mask), x)


class Intermediate(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(H, I)

    def forward(self, x):
        return nn.functional.gelu(self.dense(x))


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention = Attention()
        self.intermediate = Intermediate()
        self.output = DenseNorm(I)

    def forward(self, x, mask):
        a = self.attention(x, mask)
        return self.output(self.intermediate(a), a)


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.ModuleList([Layer() for _ in range(CONFIG["num_hidden_layers"])])

    def forward(self, x, mask):
        for layer in self.layer:
            x = layer(x, mask)
        return x


class TinyBert(nn.Module):
    def __init__(self):
        super().__init__()
        self.embeddings = Embeddings()
        self.encoder = Encoder()

    def forward(self, input_ids, attention_mask, token_type_ids):
        mask = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * torch.finfo(torch.float32).min
        return self.encoder(self.embeddings(input_ids, token_type_ids), mask)


def main():
    torch.manual_seed(SEED)
    model = TinyBert()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name:
                p.copy_((1.0 if name.endswith("weight") else 0.0) + 0.3 * torch.randn_like(p))
    model.eval()
    rows = [[2, 7, 9, 11, 3, 0, 0], [2, 5, 6, 8, 10, 12, 3], [2, 3, 0, 0, 0, 0, 0]]
    lengths = [5, 7, 2]
    ids = torch.tensor(rows, dtype=torch.int64)
    mask = torch.tensor([[1] * n + [0] * (7 - n) for n in lengths], dtype=torch.int64)
    types = torch.zeros_like(ids)
    torch.onnx.export(model, (ids, mask, types), os.path.join(HERE, "tiny_bert.onnx"),
                      input_names=["input_ids", "attention_mask", "token_type_ids"],
                      output_names=["last_hidden_state"], opset_version=11, do_constant_folding=True,
                      dynamic_axes={n: {0: "batch", 1: "sequence"} for n in
                                    ["input_ids", "attention_mask", "token_type_ids", "last_hidden_state"]})
    with torch.no_grad():
        hidden = model(ids, mask, types)
    expected = {"config": CONFIG, "input_ids": rows, "lengths": lengths, "last_hidden_state": hidden.tolist()}
    with open(os.path.join(HERE, "tiny_bert_expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f)
        f.write("\n")


if __name__ == "__main__":
    main()

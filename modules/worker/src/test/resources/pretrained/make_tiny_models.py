"""Writes the tiny BERT and RoBERTa model folders of the pretrained-encoder tests, and PyTorch's embeddings.

Run from this directory with Debian's python3-torch (1.13) and python3-numpy:

    /usr/bin/python3 make_tiny_models.py

Neither transformers nor safetensors is packaged by Debian, so this script writes BERT's forward in plain
PyTorch after transformers' modeling_bert / modeling_roberta (BertEmbeddings, BertSelfAttention,
BertSelfOutput, BertIntermediate, BertOutput; erf GELU; additive mask of finfo.min; RoBERTa's position ids
from the padding index + 1) and safetensors files with struct packing (8-byte little-endian header length,
JSON header, little-endian data). sentence-transformers' Pooling is mean / CLS / max exactly as its
Pooling.forward computes them (max: masked positions set to -1e9 first).

Outputs (all small):
  tiny-bert/                config.json, model.safetensors (f32, bare names), tokenizer.json, tokenizer_config.json,
                            special_tokens_map.json, modules.json (Transformer, Pooling, Normalize),
                            1_Pooling/config.json (mean), sentence_bert_config.json
  tiny-bert-variants/       model-f16.safetensors, model-bf16.safetensors (the same weights rounded),
                            sharded/model-0000{1,2}-of-00002.safetensors + model.safetensors.index.json
                            (names prefixed with "bert.", as a BertModel inside a task head saves them)
  tiny-roberta/             config.json (roberta, pad 1), model.safetensors ("roberta." prefix), tokenizer.json
  reference.json            input ids and the pooled embeddings for every weight variant and pooling
"""
import json
import math
import os
import struct

import numpy as np
import torch

HIDDEN, LAYERS, HEADS, INTERMEDIATE = 32, 2, 4, 48  # intermediate != 4 * hidden on purpose
VOCAB, TYPES, EPS = 64, 2, 1e-12


def random_weights(generator, positions):
    def normal(std, *shape):
        return torch.randn(*shape, generator=generator) * std

    w = {
        "embeddings.word_embeddings.weight": normal(0.5, VOCAB, HIDDEN),
        "embeddings.position_embeddings.weight": normal(0.5, positions, HIDDEN),
        "embeddings.token_type_embeddings.weight": normal(0.5, TYPES, HIDDEN),
        "embeddings.LayerNorm.weight": 1 + normal(0.1, HIDDEN),
        "embeddings.LayerNorm.bias": normal(0.1, HIDDEN),
    }
    for l in range(LAYERS):
        p = f"encoder.layer.{l}."
        for name in ("query", "key", "value"):
            w[p + f"attention.self.{name}.weight"] = normal(0.3, HIDDEN, HIDDEN)
            w[p + f"attention.self.{name}.bias"] = normal(0.1, HIDDEN)
        w[p + "attention.output.dense.weight"] = normal(0.2, HIDDEN, HIDDEN)
        w[p + "attention.output.dense.bias"] = normal(0.1, HIDDEN)
        w[p + "attention.output.LayerNorm.weight"] = 1 + normal(0.1, HIDDEN)
        w[p + "attention.output.LayerNorm.bias"] = normal(0.1, HIDDEN)
        w[p + "intermediate.dense.weight"] = normal(0.2, INTERMEDIATE, HIDDEN)
        w[p + "intermediate.dense.bias"] = normal(0.1, INTERMEDIATE)
        w[p + "output.dense.weight"] = normal(0.2, HIDDEN, INTERMEDIATE)
        w[p + "output.dense.bias"] = normal(0.1, HIDDEN)
        w[p + "output.LayerNorm.weight"] = 1 + normal(0.1, HIDDEN)
        w[p + "output.LayerNorm.bias"] = normal(0.1, HIDDEN)
    return w


def encoder(w, ids, position_ids):
    """modeling_bert's BertModel last_hidden_state for one unpadded text (1, L): no mask needed."""
    ln = lambda x, p: torch.nn.functional.layer_norm(x, (HIDDEN,), w[p + ".weight"], w[p + ".bias"], EPS)
    lin = lambda x, p: torch.nn.functional.linear(x, w[p + ".weight"], w[p + ".bias"])
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.token_type_embeddings.weight"][torch.zeros_like(ids)]
    x = x + w["embeddings.position_embeddings.weight"][position_ids]
    x = ln(x, "embeddings.LayerNorm")
    n, s = ids.shape
    d = HIDDEN // HEADS
    heads = lambda t: t.view(n, s, HEADS, d).permute(0, 2, 1, 3)
    for l in range(LAYERS):
        p = f"encoder.layer.{l}."
        q, k, v = (heads(lin(x, p + f"attention.self.{name}")) for name in ("query", "key", "value"))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d)
        context = torch.matmul(torch.softmax(scores, dim=-1), v).permute(0, 2, 1, 3).reshape(n, s, HIDDEN)
        x = ln(lin(context, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
        h = torch.nn.functional.gelu(lin(x, p + "intermediate.dense"))  # erf form, ACT2FN["gelu"]
        x = ln(lin(h, p + "output.dense") + x, p + "output.LayerNorm")
    return x


def pool(hidden, mode):
    """sentence-transformers Pooling.forward on one text, all positions real."""
    if mode == "mean":
        return hidden.mean(dim=1)[0]
    if mode == "cls":
        return hidden[0, 0]
    return hidden.max(dim=1).values[0]


def embed_all(w, texts, pad_id, offset, modes):
    out = {}
    for mode in modes:
        rows = []
        for text in texts:
            real = list(text)
            while real and real[-1] == pad_id:  # trailing padding the prepare job appended
                real.pop()
            ids = torch.tensor([real])
            if offset == 0:
                positions = torch.arange(len(real)).unsqueeze(0)
            else:  # modeling_roberta.create_position_ids_from_input_ids
                mask = ids.ne(pad_id).int()
                positions = torch.cumsum(mask, dim=1) * mask + pad_id
            with torch.no_grad():
                rows.append([float(v) for v in pool(encoder(w, ids, positions), mode)])
        out[mode] = rows
    return out


def tensor_bytes(t, dtype):
    if dtype == "F32":
        return t.to(torch.float32).numpy().astype("<f4").tobytes()
    if dtype == "F16":
        return t.to(torch.float16).numpy().astype("<f2").tobytes()
    return t.to(torch.bfloat16).view(torch.int16).numpy().astype("<i2").tobytes()  # BF16 bit patterns


def write_safetensors(path, tensors, dtype, prefix=""):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors.items():
        data = tensor_bytes(t, dtype)
        header[prefix + name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for blob in blobs:
            f.write(blob)


def rounded(w, dtype):
    target = torch.float16 if dtype == "F16" else torch.bfloat16
    return {k: v.to(target).to(torch.float32) for k, v in w.items()}


def write_json(path, value):
    with open(path, "w") as f:
        json.dump(value, f, indent=2)
        f.write("\n")


def special(token_id, content):
    return {"id": token_id, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
            "normalized": False, "special": True}


WORDS = ["the", "a", "man", "is", "eating", "food", "piece", "of", "bread", "dog", "runs", "in", "park", "cat",
         "sleeps", "on", "mat", "##s", "##ing", "."]


def bert_tokenizer():
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = {t: i for i, t in enumerate(specials + WORDS)}
    cls, sep = {"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [special(i, t) for i, t in enumerate(specials)],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [cls, {"Sequence": {"id": "A", "type_id": 0}}, sep],
                           "pair": [cls, {"Sequence": {"id": "A", "type_id": 0}}, sep,
                                    {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
                           "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                                              "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    }


def roberta_tokenizer():
    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    vocab = {t: i for i, t in enumerate(specials + [w for w in WORDS if not w.startswith("##")])}
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [special(i, t) for i, t in enumerate(specials)],
        "normalizer": None,
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": {"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0],
                           "trim_offsets": True, "add_prefix_space": False},
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "<unk>"},
    }


def config(model_type, positions, pad):
    return {"architectures": ["BertModel" if model_type == "bert" else "RobertaModel"], "model_type": model_type,
            "vocab_size": VOCAB, "hidden_size": HIDDEN, "num_hidden_layers": LAYERS, "num_attention_heads": HEADS,
            "intermediate_size": INTERMEDIATE, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1, "max_position_embeddings": positions, "type_vocab_size": TYPES,
            "layer_norm_eps": EPS, "pad_token_id": pad, "position_embedding_type": "absolute",
            "torch_dtype": "float32"}


def main():
    generator = torch.Generator().manual_seed(20240214)
    bert = random_weights(generator, 16)
    roberta = random_weights(generator, 18)  # 16 positions after RoBERTa's offset of pad + 1 = 2

    os.makedirs("tiny-bert/1_Pooling", exist_ok=True)
    os.makedirs("tiny-bert-variants/sharded", exist_ok=True)
    os.makedirs("tiny-roberta", exist_ok=True)
    write_json("tiny-bert/config.json", config("bert", 16, 0))
    write_safetensors("tiny-bert/model.safetensors", bert, "F32")
    write_json("tiny-bert/tokenizer.json", bert_tokenizer())
    write_json("tiny-bert/tokenizer_config.json", {"do_lower_case": True, "model_max_length": 16,
                                                   "tokenizer_class": "BertTokenizer"})
    write_json("tiny-bert/special_tokens_map.json", {"cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]",
                                                     "unk_token": "[UNK]", "mask_token": "[MASK]"})
    write_json("tiny-bert/modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}])
    write_json("tiny-bert/1_Pooling/config.json", {
        "word_embedding_dimension": HIDDEN, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False, "pooling_mode_lasttoken": False, "include_prompt": True})
    write_json("tiny-bert/sentence_bert_config.json", {"max_seq_length": 16, "do_lower_case": False})

    write_safetensors("tiny-bert-variants/model-f16.safetensors", bert, "F16")
    write_safetensors("tiny-bert-variants/model-bf16.safetensors", bert, "BF16")
    names = list(bert)
    halves = {"model-00001-of-00002.safetensors": names[:len(names) // 2],
              "model-00002-of-00002.safetensors": names[len(names) // 2:]}
    weight_map = {}
    for shard, part in halves.items():
        write_safetensors("tiny-bert-variants/sharded/" + shard, {n: bert[n] for n in part}, "F32", prefix="bert.")
        weight_map.update({"bert." + n: shard for n in part})
    write_json("tiny-bert-variants/sharded/model.safetensors.index.json",
               {"metadata": {"total_size": 4 * sum(t.numel() for t in bert.values())}, "weight_map": weight_map})

    write_json("tiny-roberta/config.json", config("roberta", 18, 1))
    write_safetensors("tiny-roberta/model.safetensors", roberta, "F32", prefix="roberta.")
    write_json("tiny-roberta/tokenizer.json", roberta_tokenizer())

    # [CLS] ... [SEP] as the prepare job stores them; the last text was padded to max length with [PAD] = 0.
    bert_texts = [[2, 5, 7, 9, 3], [2, 20, 3], [2] + list(range(5, 18)) + [3], [2, 11, 12, 13, 3, 0, 0, 0]]
    # <s> ... </s>: <s> is id 0 and a token; the second text is padded with <pad> = 1.
    roberta_texts = [[0, 4, 6, 8, 2], [0, 10, 11, 12, 13, 2, 1, 1, 1]]
    modes = ["mean", "cls", "max"]
    reference = {
        "bert_input_ids": bert_texts,
        "bert": {"F32": embed_all(bert, bert_texts, 0, 0, modes),
                 "F16": embed_all(rounded(bert, "F16"), bert_texts, 0, 0, modes),
                 "BF16": embed_all(rounded(bert, "BF16"), bert_texts, 0, 0, modes)},
        "roberta_input_ids": roberta_texts,
        "roberta": {"F32": embed_all(roberta, roberta_texts, 1, 2, ["mean"])},
    }
    write_json("reference.json", reference)


if __name__ == "__main__":
    main()

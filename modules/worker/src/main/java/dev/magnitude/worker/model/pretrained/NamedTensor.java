package dev.magnitude.worker.model.pretrained;

/**
 * One weight of a pretrained model, named as in transformers' state dict without the model's prefix (for BERT,
 * {@code embeddings.word_embeddings.weight}, {@code encoder.layer.0.attention.self.query.weight}, ...).
 *
 * @param name the state-dict name
 * @param shape the PyTorch shape; a Linear weight is (out, in)
 * @param data the values in row-major (C) order, {@code product(shape)} of them
 */
public record NamedTensor(String name, long[] shape, float[] data) {}

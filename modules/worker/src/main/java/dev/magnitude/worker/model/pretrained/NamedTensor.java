package dev.magnitude.worker.model.pretrained;

import java.util.Arrays;

/**
* One weight of a pretrained model, as float32 values in row-major (C) order.
*
* <p>The weight map a model loader consumes is a {@code Map<String, NamedTensor>} keyed by
* transformers' {@code BertModel} state-dict names without any task-head prefix
* ({@code embeddings.word_embeddings.weight}, {@code encoder.layer.0.attention.self.query.weight}, ...).
* Linear weights are in PyTorch's (out, in) layout. Every reader (safetensors, ONNX) yields this form;
* half-precision sources are widened to float32 exactly.
*
* @param name the state-dict name, e.g. {@code encoder.layer.3.output.dense.bias}
* @param shape the tensor's dimensions, outermost first; {@code data.length} is their product
* @param data the values in row-major order
*/
public record NamedTensor(String name, long[] shape, float[] data) {

  public NamedTensor {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("a tensor needs a name");
    }
    shape = shape.clone();
    long count = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("tensor " + name + " has a negative dimension in shape "
            + Arrays.toString(shape));
      }
      count = Math.multiplyExact(count, d);
    }
    if (count != data.length) {
      throw new IllegalArgumentException("tensor " + name + " of shape " + Arrays.toString(shape)
          + " needs " + count + " values, found " + data.length);
    }
  }

  /** The shape, as a copy. */
  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** The shape in the form error messages use, e.g. {@code [384, 1536]}. */
  public String shapeText() {
    return Arrays.toString(shape);
  }

  /** Whether this tensor has exactly the given dimensions. */
  public boolean hasShape(long... expected) {
    return Arrays.equals(shape, expected);
  }
}

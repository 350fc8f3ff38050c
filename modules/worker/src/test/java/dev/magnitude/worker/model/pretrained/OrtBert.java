package dev.magnitude.worker.model.pretrained;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.List;
import java.util.Map;

/**
 * A BERT ONNX file run by ONNX Runtime (a test dependency): the second route for the Java forward and the
 * encoding benchmark's reference. Inputs input_ids, attention_mask, token_type_ids (int64, (B, S)); output
 * last_hidden_state (B, S, H). Sequential execution, {@code threads} intra-op threads, all graph optimizations.
 */
public final class OrtBert implements AutoCloseable {
  private final OrtEnvironment environment = OrtEnvironment.getEnvironment();
  private final OrtSession session;
  private final int hidden;

  /**
   * @param spinning whether idle intra-op threads spin (ONNX Runtime's default, fastest on an idle machine) or sleep
   *     (their CPU time is then the work alone)
   */
  public OrtBert(byte[] model, int threads, int hidden, boolean spinning) throws OrtException {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.addConfigEntry("session.intra_op.allow_spinning", spinning ? "1" : "0");
      options.setIntraOpNumThreads(threads);
      options.setInterOpNumThreads(1);
      options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      this.session = environment.createSession(model, options);
    }
    this.hidden = hidden;
  }

  /**
   * The last hidden state of texts padded to the longest (pad id 0; the mask, from the lengths, hides it).
   *
   * @return (B, S, H) row-major, S = the longest text
   */
  public float[] lastHiddenState(List<long[]> ids) throws OrtException {
    int b = ids.size();
    int s = ids.stream().mapToInt(r -> r.length).max().orElse(0);
    long[] tokens = new long[b * s];
    long[] mask = new long[b * s];
    for (int i = 0; i < b; i++) {
      long[] row = ids.get(i);
      System.arraycopy(row, 0, tokens, i * s, row.length);
      for (int j = 0; j < row.length; j++) {
        mask[i * s + j] = 1;
      }
    }
    long[] shape = {b, s};
    try (OnnxTensor t = OnnxTensor.createTensor(environment, LongBuffer.wrap(tokens), shape);
        OnnxTensor m = OnnxTensor.createTensor(environment, LongBuffer.wrap(mask), shape);
        OnnxTensor types = OnnxTensor.createTensor(environment, LongBuffer.wrap(new long[b * s]), shape);
        OrtSession.Result result = session.run(Map.of("input_ids", t, "attention_mask", m, "token_type_ids", types))) {
      FloatBuffer out = ((OnnxTensor) result.get(0)).getFloatBuffer();
      float[] values = new float[out.remaining()];
      out.get(values);
      return values;
    }
  }

  /** (texts, H): the mean of each text's last hidden state over its own tokens (sentence-transformers' mean). */
  public float[][] meanPooled(List<long[]> ids) throws OrtException {
    return meanPool(lastHiddenState(ids), ids, hidden);
  }

  /** Mean pooling of a padded (B, S, H) state over each row's first length(row) positions. */
  public static float[][] meanPool(float[] state, List<long[]> ids, int hidden) {
    int s = state.length / hidden / ids.size();
    float[][] pooled = new float[ids.size()][hidden];
    for (int i = 0; i < ids.size(); i++) {
      int n = ids.get(i).length;
      for (int k = 0; k < hidden; k++) {
        double sum = 0;
        for (int j = 0; j < n; j++) {
          sum += state[(i * s + j) * hidden + k];
        }
        pooled[i][k] = (float) (sum / n);
      }
    }
    return pooled;
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }
}

package dev.magnitude.worker.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.Pair;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link TextTransformer} against a second route: the same encoder written out naively in Java doubles, per
 * text, per position, per head (embedding + LayerNorm, attention with the padding keys skipped, residuals,
 * LayerNorms, exact GELU), from the block's own parameter values.
 */
class TextTransformerTest {
  private static final int V = 30;
  private static final int E = 8;
  private static final int HEADS = 2;
  private static final int LAYERS = 2;
  private static final int S = 5;
  private static final double LAYER_NORM_EPSILON = 1e-5; // DJL LayerNorm's default

  @Test
  void sequenceMatchesANaivePerHeadPerPositionComputation() {
    int[] ids = {4, 9, 12, 0, 0, /* */ 20, 21, 22, 23, 29, /* */ 7, 0, 0, 0, 0};
    int n = 3;
    Engine.getInstance().setRandomSeed(17);
    TextTransformer block = new TextTransformer(V, E, LAYERS, HEADS, S, 0f);
    try (Model model = Model.newInstance("naive-route")) {
      initialize(model, block, n);
      try (NDManager scope = model.getNDManager().newSubManager()) {
        ParameterStore ps = new ParameterStore(scope, false);
        NDArray tokenIds = scope.create(ids, new Shape(n, S));
        float[] actual = block.sequence(ps, tokenIds, tokenIds.neq(0), false).toFloatArray();
        double[][][] expected = naive(parameters(block), ids, n);
        for (int t = 0; t < n; t++) {
          for (int i = 0; i < S; i++) {
            for (int c = 0; c < E; c++) {
              assertThat((double) actual[(t * S + i) * E + c])
                  .as("text %d position %d component %d", t, i, c)
                  .isCloseTo(expected[t][i][c], org.assertj.core.data.Offset.offset(1e-5));
            }
          }
        }
        // The check can fail: the parameters are not near-trivial (outputs vary by far more than 1e-5).
        double spread = 0;
        for (int i = 0; i < 3; i++) {
          for (int c = 0; c < E; c++) {
            spread = Math.max(spread, Math.abs(expected[0][i][c] - expected[1][i][c]));
          }
        }
        assertThat(spread).isGreaterThan(0.1);
      }
    }
  }

  @Test
  void paddingPositionsDoNotChangeTheOutputOfOtherPositions() {
    // Same tokens and mask; the padding slots hold different ids (and so different embeddings). Every token
    // position's output must be exactly the same: padding keys get attention weight exactly 0.
    int n = 2;
    int[] ids = {5, 6, 8, 0, 0, /* */ 5, 6, 8, 17, 23};
    boolean[] mask = {true, true, true, false, false, true, true, true, false, false};
    Engine.getInstance().setRandomSeed(23);
    TextTransformer block = new TextTransformer(V, E, LAYERS, HEADS, S, 0f);
    try (Model model = Model.newInstance("padding")) {
      initialize(model, block, n);
      try (NDManager scope = model.getNDManager().newSubManager()) {
        ParameterStore ps = new ParameterStore(scope, false);
        float[] out = block.sequence(ps, scope.create(ids, new Shape(n, S)), scope.create(mask, new Shape(n, S)), false)
            .toFloatArray();
        for (int k = 0; k < 3 * E; k++) {
          assertThat(out[S * E + k]).as("token positions, component %d", k).isEqualTo(out[k]);
        }
        // The padding positions themselves differ (different input embeddings): the comparison is not vacuous.
        assertThat(out[S * E + 3 * E]).isNotEqualTo(out[3 * E]);
      }
    }
  }

  @Test
  void dropoutOnlyInTrainingAndNoneAtZero() {
    int n = 2;
    int[] ids = {5, 6, 8, 0, 0, 9, 10, 11, 12, 13};
    for (float p : new float[] {0f, 0.5f}) {
      Engine.getInstance().setRandomSeed(29);
      TextTransformer block = new TextTransformer(V, E, LAYERS, HEADS, S, p);
      try (Model model = Model.newInstance("dropout")) {
        initialize(model, block, n);
        try (NDManager scope = model.getNDManager().newSubManager()) {
          ParameterStore ps = new ParameterStore(scope, false);
          NDArray tokenIds = scope.create(ids, new Shape(n, S));
          float[] eval = block.sequence(ps, tokenIds, tokenIds.neq(0), false).toFloatArray();
          float[] train = block.sequence(ps, tokenIds, tokenIds.neq(0), true).toFloatArray();
          if (p == 0f) {
            assertThat(train).containsExactly(eval);
          } else {
            assertThat(train).isNotEqualTo(eval);
          }
        }
      }
    }
  }

  @Test
  void refusesBadShapesAndSettings() {
    assertThatThrownBy(() -> new TextTransformer(V, E, 1, 3, S, 0f))
        .hasMessage("encoder heads = 3 must divide embedding-dim = 8");
    assertThatThrownBy(() -> new TextTransformer(V, E, 1, 2, S, 1f))
        .hasMessage("encoder dropout = 1.0: must be in [0, 1)");
    TextTransformer block = new TextTransformer(V, E, 1, HEADS, S, 0f);
    try (Model model = Model.newInstance("shape")) {
      initialize(model, block, 1);
      try (NDManager scope = model.getNDManager().newSubManager()) {
        NDArray ids = scope.create(new int[] {1, 2, 3}, new Shape(1, 3));
        assertThatThrownBy(() -> block.sequence(new ParameterStore(scope, false), ids, ids.neq(0), false))
            .hasMessage("token ids of shape (1, 3): expected (texts, 5) (max-length)");
      }
    }
  }

  /**
   * Every parameter random, so no term is trivial: weights N(0, 0.5²), biases and LayerNorm shifts N(0, 0.2²),
   * LayerNorm scales 1 + N(0, 0.2²).
   */
  private static void initialize(Model model, TextTransformer block, int n) {
    model.setBlock(block);
    block.setInitializer(new NormalInitializer(0.5f), Parameter.Type.WEIGHT);
    block.setInitializer(new NormalInitializer(0.2f), Parameter.Type.BIAS);
    block.setInitializer(new NormalInitializer(0.2f), Parameter.Type.BETA);
    block.setInitializer((manager, shape, dataType) -> manager.randomNormal(1f, 0.2f, shape, dataType),
        Parameter.Type.GAMMA);
    block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(n, S));
  }

  /** Parameter values by their name without the 2-digit child prefixes, layers numbered: "layer1.qkv_weight". */
  private static Map<String, double[]> parameters(TextTransformer block) {
    Map<String, double[]> values = new HashMap<>();
    int layer = 0;
    for (Pair<String, Parameter> p : block.getParameters()) {
      String key = p.getKey().replaceAll("(^|_)\\d\\d", "$1");
      if (key.startsWith("layer_qkv_weight")) {
        layer++;
      }
      if (key.startsWith("layer_")) {
        key = "layer" + layer + "." + key.substring("layer_".length());
      }
      float[] f = p.getValue().getArray().toFloatArray();
      double[] d = new double[f.length];
      for (int i = 0; i < f.length; i++) {
        d[i] = f[i];
      }
      values.put(key, d);
    }
    return values;
  }

  private static double[] get(Map<String, double[]> p, String key) {
    double[] v = p.get(key);
    assertThat(v).as("parameter " + key + " among " + p.keySet()).isNotNull();
    return v;
  }

  /** The encoder per text, position and head in doubles: (n, S, E). */
  private static double[][][] naive(Map<String, double[]> p, int[] ids, int n) {
    double[] table = get(p, "tokenEmbedding_embedding");
    double[] positions = get(p, "positionEmbedding");
    double[][][] out = new double[n][S][];
    int d = E / HEADS;
    for (int t = 0; t < n; t++) {
      double[][] x = new double[S][E];
      boolean[] token = new boolean[S];
      for (int i = 0; i < S; i++) {
        int id = ids[t * S + i];
        token[i] = id != 0;
        for (int c = 0; c < E; c++) {
          x[i][c] = table[id * E + c] + positions[i * E + c];
        }
        x[i] = layerNorm(x[i], get(p, "embeddingNorm_gamma"), get(p, "embeddingNorm_beta"));
      }
      for (int l = 1; l <= LAYERS; l++) {
        String L = "layer" + l + ".";
        double[][] qkv = new double[S][];
        for (int i = 0; i < S; i++) {
          qkv[i] = affine(get(p, L + "qkv_weight"), get(p, L + "qkv_bias"), x[i]);
        }
        double[][] merged = new double[S][E];
        for (int i = 0; i < S; i++) {
          for (int h = 0; h < HEADS; h++) {
            double[] score = new double[S];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < S; j++) {
              if (!token[j]) {
                continue; // padding keys are not attended
              }
              double dot = 0;
              for (int c = 0; c < d; c++) {
                dot += qkv[i][h * d + c] * qkv[j][E + h * d + c];
              }
              score[j] = dot / Math.sqrt(d);
              max = Math.max(max, score[j]);
            }
            double sum = 0;
            for (int j = 0; j < S; j++) {
              score[j] = token[j] ? Math.exp(score[j] - max) : 0;
              sum += score[j];
            }
            for (int j = 0; j < S; j++) {
              for (int c = 0; c < d; c++) {
                merged[i][h * d + c] += score[j] / sum * qkv[j][2 * E + h * d + c];
              }
            }
          }
        }
        double[][] next = new double[S][];
        for (int i = 0; i < S; i++) {
          double[] a = affine(get(p, L + "output_weight"), get(p, L + "output_bias"), merged[i]);
          double[] r = new double[E];
          for (int c = 0; c < E; c++) {
            r[c] = x[i][c] + a[c];
          }
          double[] y = layerNorm(r, get(p, L + "attentionNorm_gamma"), get(p, L + "attentionNorm_beta"));
          double[] hidden = affine(get(p, L + "expand_weight"), get(p, L + "expand_bias"), y);
          for (int c = 0; c < hidden.length; c++) {
            hidden[c] = gelu(hidden[c]);
          }
          double[] f = affine(get(p, L + "contract_weight"), get(p, L + "contract_bias"), hidden);
          for (int c = 0; c < E; c++) {
            f[c] += y[c];
          }
          next[i] = layerNorm(f, get(p, L + "feedForwardNorm_gamma"), get(p, L + "feedForwardNorm_beta"));
        }
        x = next;
      }
      out[t] = x;
    }
    return out;
  }

  /** W·x + b with W (out × in) row-major, as DJL's Linear stores its weight. */
  private static double[] affine(double[] w, double[] b, double[] x) {
    double[] y = new double[b.length];
    for (int o = 0; o < b.length; o++) {
      double s = b[o];
      for (int i = 0; i < x.length; i++) {
        s += w[o * x.length + i] * x[i];
      }
      y[o] = s;
    }
    return y;
  }

  private static double[] layerNorm(double[] x, double[] gamma, double[] beta) {
    double mean = 0;
    for (double v : x) {
      mean += v / x.length;
    }
    double var = 0;
    for (double v : x) {
      var += (v - mean) * (v - mean) / x.length;
    }
    double[] y = new double[x.length];
    for (int c = 0; c < x.length; c++) {
      y[c] = (x[c] - mean) / Math.sqrt(var + LAYER_NORM_EPSILON) * gamma[c] + beta[c];
    }
    return y;
  }

  /** Exact GELU x·Φ(x) = x·(1 + erf(x/√2))/2. */
  private static double gelu(double x) {
    return x * 0.5 * (1 + erf(x / Math.sqrt(2)));
  }

  /** erf by its Maclaurin series below 3 and the erfc continued fraction above (both well below 1e-12 here). */
  static double erf(double x) {
    double a = Math.abs(x);
    double r;
    if (a < 3) {
      double term = a;
      double sum = a;
      for (int k = 1; k < 200 && Math.abs(term) > 1e-17; k++) {
        term *= -a * a / k;
        sum += term / (2 * k + 1);
      }
      r = 2 / Math.sqrt(Math.PI) * sum;
    } else {
      // erfc(a) = exp(−a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + 2/(a + …))))), evaluated from the tail
      double f = a;
      for (int k = 60; k >= 1; k--) {
        f = a + (k / 2.0) / f;
      }
      r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
    }
    return Math.signum(x) * r;
  }

  @Test
  void naiveErfIsErf() {
    // Tabulated values (Abramowitz & Stegun table 7.1).
    assertThat(erf(0.5)).isCloseTo(0.5204998778, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(erf(1.0)).isCloseTo(0.8427007929, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(erf(-2.0)).isCloseTo(-0.9953222650, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(erf(3.5)).isCloseTo(0.9999992569, org.assertj.core.data.Offset.offset(1e-9));
  }
}

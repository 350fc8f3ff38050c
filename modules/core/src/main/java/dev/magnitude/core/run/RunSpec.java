package dev.magnitude.core.run;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.magnitude.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * One training run: what it trains on, under which variant and seed, with which encoder and settings,
 * and what it embeds afterwards.
 *
 * <p>Its id is {@code <dataset>-<variant>-s<seed>-<hash>}, where hash is the first 12 hex digits of the
 * SHA-256 of {@link #TRAINER_VERSION} and {@link #canonicalJson()} (keys sorted, no whitespace). Equal specs
 * give equal ids on any machine; any change of a setting, of the prepared data ({@code dataHash}) or of what
 * the trainer computes gives a new id.
 *
 * <p>{@code sts} is set only for a run on an STS dataset (null = retrieval: the training split's qrels).
 * It is left out of the JSON when null, so retrieval specs and their ids are what they were before STS
 * training existed. {@code imageText} is the same for a run on an image-text dataset (captions as the query
 * side, images as the document side). Every evaluation set has the run's task ({@link #scoresSts(EvalSet)}): the
 * run's own dataset, and any other dataset the sweep scores it on out of domain ({@link #inDomain}).
 */
public record RunSpec(
    String dataset,
    String dataHash,
    Variant variant,
    long seed,
    EncoderSpec encoder,
    TrainingSpec training,
    List<EvalSet> eval,
    @JsonInclude(JsonInclude.Include.NON_NULL) StsTraining sts,
    @JsonInclude(JsonInclude.Include.NON_NULL) ImageTextTraining imageText) {

  /** A retrieval run (no {@code sts}). */
  public RunSpec(
      String dataset,
      String dataHash,
      Variant variant,
      long seed,
      EncoderSpec encoder,
      TrainingSpec training,
      List<EvalSet> eval) {
    this(dataset, dataHash, variant, seed, encoder, training, eval, null, null);
  }

  /** A retrieval or STS run (no {@code imageText}). */
  public RunSpec(
      String dataset,
      String dataHash,
      Variant variant,
      long seed,
      EncoderSpec encoder,
      TrainingSpec training,
      List<EvalSet> eval,
      StsTraining sts) {
    this(dataset, dataHash, variant, seed, encoder, training, eval, sts, null);
  }

  public RunSpec {
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(dataHash, "dataHash");
    Objects.requireNonNull(variant, "variant");
    Objects.requireNonNull(encoder, "encoder");
    Objects.requireNonNull(training, "training");
    eval = List.copyOf(eval);
    if (variant.isLearned() != (training.learned() != null)) {
      throw new IllegalArgumentException(variant.isLearned()
          ? "variant learned needs training.learned (its initial α, magnitude.train.learned.alpha-init)"
          : "training.learned (the initial α) is set but variant " + variant + " learns no α; only learned runs "
              + "carry it");
    }
    if (sts != null && imageText != null) {
      throw new IllegalArgumentException("a run trains on STS pairs or on image-caption pairs, not both");
    }
  }

  /** Whether the run trains on STS sentence pairs. */
  public boolean trainsOnSts() {
    return sts != null;
  }

  /**
   * Whether an evaluation set holds STS pairs. A run is scored on datasets of its own task only (the sweep's
   * {@code evaluate-on} is validated so), so every eval set of an STS run is an STS set, in domain or not.
   */
  public boolean scoresSts(EvalSet eval) {
    return trainsOnSts();
  }

  /** Whether the run trains on images and their captions (an image-text dataset). */
  public boolean trainsOnImageText() {
    return imageText != null;
  }

  /** Whether an evaluation set holds images and captions: as for {@link #scoresSts}, the run's task decides. */
  public boolean scoresImageText(EvalSet eval) {
    return trainsOnImageText();
  }

  /** Whether {@code eval} is of the run's own dataset (in domain) rather than another one (out of domain). */
  public boolean inDomain(EvalSet eval) {
    return eval.dataset().equals(dataset);
  }

  /** This spec with {@code encoder} instead (a new spec, so a new id when they differ). */
  public RunSpec withEncoder(EncoderSpec encoder) {
    return new RunSpec(dataset, dataHash, variant, seed, encoder, training, eval, sts, imageText);
  }

  /** This spec scored on {@code evalSets} instead (a new spec, so a new id when they differ). */
  public RunSpec withEval(List<EvalSet> evalSets) {
    return new RunSpec(dataset, dataHash, variant, seed, encoder, training, evalSets, sts, imageText);
  }

  /**
   * Version of what the trainer computes from a spec. It is hashed into every run id, so when training
   * changes its results for the same spec, finished runs of older code are not taken for runs of this one.
   * 2: the engine's random generator is reseeded from (seed, step) before every step and Adam's state is
   * checkpointed (exact resume). 3: the transformer encoder is the trainer's own (LayerNorm, fused Q/K/V, no
   * attention dropout, hidden dropout {@code encoder.dropout}, default 0) instead of DJL's BertBlock.
   */
  public static final int TRAINER_VERSION = 3;

  /** The spec as canonical JSON: with {@link #TRAINER_VERSION}, the input of the id hash; the content of {@code spec.json}. */
  public String canonicalJson() {
    return Json.write(this);
  }

  @JsonIgnore
  public String id() {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(("trainer-version=" + TRAINER_VERSION + "\n" + canonicalJson()).getBytes(StandardCharsets.UTF_8));
      return dataset + "-" + variant.id() + "-s" + seed + "-" + HexFormat.of().formatHex(digest, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static RunSpec fromJson(String json) {
    return Json.read(json, RunSpec.class);
  }
}

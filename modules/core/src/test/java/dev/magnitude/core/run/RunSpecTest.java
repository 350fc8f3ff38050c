package dev.magnitude.core.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RunSpecTest {
  static RunSpec spec(Variant variant, long seed, int steps) {
    return new RunSpec(
        "synthetic",
        "abc123",
        variant,
        seed,
        new EncoderSpec("transformer", 16, 1, 2, 8, 100, "builtin-x"),
        new TrainingSpec(steps, 4, 1e-3, 0, 0.05, 5, 0, 1),
        List.of(new EvalSet("synthetic", "test")));
  }

  @Test
  void idIsStableReadableAndChangesWithAnySetting() {
    RunSpec a = spec(Variant.DOC_NORM, 13, 10);
    assertThat(a.id()).matches("synthetic-doc-norm-s13-[0-9a-f]{12}");
    assertThat(spec(Variant.DOC_NORM, 13, 10).id()).isEqualTo(a.id());
    assertThat(spec(Variant.DOC_NORM, 13, 11).id()).isNotEqualTo(a.id());
    assertThat(spec(Variant.DOC_NORM, 14, 10).id()).isNotEqualTo(a.id());
  }

  /** The id hashes the trainer version with the spec, so runs of older training code are not reused. */
  @Test
  void idHashesTheTrainerVersionWithTheCanonicalJson() throws Exception {
    RunSpec a = spec(Variant.DOC_NORM, 13, 10);
    byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(
        ("trainer-version=3\n" + a.canonicalJson()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(RunSpec.TRAINER_VERSION).isEqualTo(3);
    assertThat(a.id()).isEqualTo("synthetic-doc-norm-s13-" + java.util.HexFormat.of().formatHex(digest, 0, 6));
  }

  @Test
  void canonicalJsonHasSortedKeysAndRoundTrips() {
    RunSpec a = spec(Variant.QUERY_NORM, 1, 10);
    String json = a.canonicalJson();
    assertThat(json).startsWith("{\"dataHash\":\"abc123\",\"dataset\":\"synthetic\",\"encoder\":{");
    assertThat(json).contains("\"variant\":\"query-norm\"").doesNotContain(" ");
    RunSpec back = RunSpec.fromJson(json);
    assertThat(back).isEqualTo(a);
    assertThat(back.id()).isEqualTo(a.id());
  }

  @Test
  void stsTrainingIsPartOfTheIdAndAbsentFromRetrievalSpecs() {
    RunSpec retrieval = spec(Variant.DOT, 1, 10);
    assertThat(retrieval.canonicalJson()).doesNotContain("sts");
    assertThat(retrieval.trainsOnSts()).isFalse();
    RunSpec sts = withSts(retrieval, 4.0);
    RunSpec lower = withSts(retrieval, 3.0);
    assertThat(sts.canonicalJson()).contains("\"sts\":{\"positiveThreshold\":4.0}");
    assertThat(sts.id()).isNotEqualTo(retrieval.id()).isNotEqualTo(lower.id());
    assertThat(RunSpec.fromJson(sts.canonicalJson())).isEqualTo(sts);
    assertThat(sts.scoresSts(new EvalSet("synthetic", "test"))).isTrue();
    // an out-of-domain eval set of an STS run is an STS set too (the sweep admits only datasets of the run's task)
    assertThat(sts.scoresSts(new EvalSet("other", "test", "other-hash"))).isTrue();
    assertThat(sts.inDomain(new EvalSet("synthetic", "test"))).isTrue();
    assertThat(sts.inDomain(new EvalSet("other", "test", "other-hash"))).isFalse();
    assertThatThrownBy(() -> new StsTraining(Double.NaN)).hasMessageContaining("positive-threshold = NaN");
  }

  @Test
  void imageTextTrainingIsPartOfTheIdAndAbsentFromOtherSpecs() {
    RunSpec retrieval = spec(Variant.COSINE, 1, 10);
    assertThat(retrieval.canonicalJson()).doesNotContain("imageText");
    RunSpec images = new RunSpec(retrieval.dataset(), retrieval.dataHash(), retrieval.variant(), retrieval.seed(),
        retrieval.encoder(), retrieval.training(), retrieval.eval(), null, ImageTextTraining.SMALL_CNN);
    assertThat(images.canonicalJson()).contains("\"imageText\":{\"firstChannels\":16,\"secondChannels\":32}");
    assertThat(images.id()).isNotEqualTo(retrieval.id());
    assertThat(RunSpec.fromJson(images.canonicalJson())).isEqualTo(images);
    assertThat(images.trainsOnImageText()).isTrue();
    assertThat(images.scoresImageText(new EvalSet("synthetic", "test"))).isTrue();
    assertThat(images.scoresSts(new EvalSet("synthetic", "test"))).isFalse();
    assertThat(retrieval.scoresImageText(new EvalSet("synthetic", "test"))).isFalse();
  }

  @Test
  void outOfDomainEvalSetsCarryTheirDataHashAndChangeTheIdOnlyWhenPresent() {
    RunSpec own = spec(Variant.DOT, 1, 10);
    // the two-argument eval set writes no dataHash: specs without out-of-domain sets keep their JSON and ids
    assertThat(own.canonicalJson()).doesNotContain("dataHash\":null");
    RunSpec ood = own.withEval(List.of(own.eval().get(0), new EvalSet("other", "test", "h-other")));
    assertThat(ood.canonicalJson()).contains("{\"dataHash\":\"h-other\",\"dataset\":\"other\",\"split\":\"test\"}");
    assertThat(ood.id()).isNotEqualTo(own.id());
    assertThat(RunSpec.fromJson(ood.canonicalJson())).isEqualTo(ood);
    RunSpec rehashed = own.withEval(List.of(own.eval().get(0), new EvalSet("other", "test", "h-other-2")));
    assertThat(rehashed.id()).isNotEqualTo(ood.id());
  }

  static RunSpec withSts(RunSpec r, double threshold) {
    return new RunSpec(r.dataset(), r.dataHash(), r.variant(), r.seed(), r.encoder(), r.training(), r.eval(),
        new StsTraining(threshold));
  }

  @Test
  void variantsParseByConfigName() {
    assertThat(Variant.of("query-norm")).isEqualTo(Variant.QUERY_NORM);
    assertThat(Variant.DOT.normalizesQuery()).isFalse();
    assertThat(Variant.COSINE.normalizesDocument()).isTrue();
    assertThatThrownBy(() -> Variant.of("l2"))
        .hasMessage("unknown variant 'l2'; allowed: cosine, query-norm, doc-norm, dot, learned");
  }

  @Test
  void learnedIsAVariantButNotAScoring() {
    assertThat(Variant.of("learned")).isEqualTo(Variant.LEARNED);
    assertThat(Variant.LEARNED.isLearned()).isTrue();
    assertThat(Variant.scorings()).containsExactly(Variant.COSINE, Variant.QUERY_NORM, Variant.DOC_NORM, Variant.DOT)
        .noneMatch(Variant::isLearned);
    assertThatThrownBy(Variant.LEARNED::normalizesQuery).hasMessageContaining("variant learned has no fixed normalization");
    assertThatThrownBy(Variant.LEARNED::normalizesDocument).hasMessageContaining("learned");
  }

  @Test
  void learnedSettingsArePartOfLearnedSpecsOnly() {
    RunSpec dot = spec(Variant.DOT, 1, 10);
    TrainingSpec learnedTraining = dot.training().withLearned(new LearnedNormalization(0.25));
    RunSpec learned = new RunSpec(dot.dataset(), dot.dataHash(), Variant.LEARNED, 1, dot.encoder(), learnedTraining,
        dot.eval());
    assertThat(learned.id()).matches("synthetic-learned-s1-[0-9a-f]{12}");
    assertThat(learned.canonicalJson()).contains("\"learned\":{\"alphaInit\":0.25}");
    assertThat(RunSpec.fromJson(learned.canonicalJson())).isEqualTo(learned);
    assertThat(new LearnedNormalization(0.25).thetaInit()).isCloseTo(Math.log(1.0 / 3), org.assertj.core.api.Assertions.within(1e-12));
    assertThatThrownBy(() -> new RunSpec(dot.dataset(), dot.dataHash(), Variant.LEARNED, 1, dot.encoder(), dot.training(),
        dot.eval())).hasMessageContaining("variant learned needs training.learned");
    assertThatThrownBy(() -> new RunSpec(dot.dataset(), dot.dataHash(), Variant.DOT, 1, dot.encoder(), learnedTraining,
        dot.eval())).hasMessageContaining("variant dot learns no α");
    assertThatThrownBy(() -> new LearnedNormalization(1)).hasMessageContaining("alpha-init = 1.0");

    TrainingSpec scaled = dot.training().withLogitScale(new LogitScale(100));
    RunSpec withScale = new RunSpec(dot.dataset(), dot.dataHash(), Variant.DOT, 1, dot.encoder(), scaled, dot.eval());
    assertThat(withScale.canonicalJson()).contains("\"logitScale\":{\"max\":100.0}");
    assertThat(withScale.id()).isNotEqualTo(dot.id());
    assertThat(RunSpec.fromJson(withScale.canonicalJson())).isEqualTo(withScale);
    // τ = 0.05 starts the scale at 20
    assertThatThrownBy(() -> dot.training().withLogitScale(new LogitScale(19)))
        .hasMessageContaining("logit-scale max = 19.0 is below the initial scale 1/τ = 20.0");
  }

  @Test
  void trainedNormalizationRoundTripsAndScalesByAlpha() {
    TrainedNormalization learned = new TrainedNormalization(Variant.LEARNED, 500, 0.87, 0.41, 1.0);
    assertThat(learned.toJson())
        .isEqualTo("{\"alphaDocument\":0.41,\"alphaQuery\":0.87,\"logitScale\":1.0,\"step\":500,\"variant\":\"learned\"}");
    assertThat(TrainedNormalization.fromJson(learned.toJson())).isEqualTo(learned);
    TrainedNormalization cosine = new TrainedNormalization(Variant.COSINE, 10, null, null, 20);
    assertThat(cosine.toJson()).doesNotContain("alpha");
    assertThat(TrainedNormalization.fromJson(cosine.toJson())).isEqualTo(cosine);
    assertThatThrownBy(() -> new TrainedNormalization(Variant.COSINE, 1, 0.5, 0.5, 20)).hasMessageContaining("learned");
    assertThatThrownBy(() -> new TrainedNormalization(Variant.LEARNED, 1, 0.5, null, 20)).hasMessageContaining("learned");
    // (3, 4) has norm 5: α = 1 normalizes, α = 0 keeps it, α = 0.5 divides by √5
    assertThat(TrainedNormalization.scale(new double[] {3, 4}, 1)).containsExactly(0.6, 0.8);
    assertThat(TrainedNormalization.scale(new double[] {3, 4}, 0)).containsExactly(3, 4);
    assertThat(TrainedNormalization.scale(new double[] {3, 4}, 0.5))
        .containsExactly(new double[] {3 / Math.sqrt(5), 4 / Math.sqrt(5)}, org.assertj.core.api.Assertions.within(1e-12));
    assertThat(TrainedNormalization.scale(new double[] {0, 0}, 1)).containsExactly(0, 0);
  }

  @Test
  void aTorchScriptModulesContentHashIsPartOfTheIdWhenPinned() {
    RunSpec base = spec(Variant.DOT, 1, 10);
    EncoderSpec module = new EncoderSpec("torchscript", 16, 1, 1, 8, 100, "builtin-x", "/models/m.pt", null);
    RunSpec unpinned = base.withEncoder(module);
    assertThat(unpinned.canonicalJson()).doesNotContain("moduleSha256");
    String a = "a".repeat(64);
    String b = "0123456789abcdef".repeat(4);
    RunSpec pinnedA = base.withEncoder(module.withModuleSha256(a));
    RunSpec pinnedB = base.withEncoder(module.withModuleSha256(b));
    assertThat(pinnedA.canonicalJson()).contains("\"moduleSha256\":\"" + a + "\"");
    // same path, other bytes: another run
    assertThat(List.of(unpinned.id(), pinnedA.id(), pinnedB.id())).doesNotHaveDuplicates();
    assertThat(RunSpec.fromJson(pinnedA.canonicalJson())).isEqualTo(pinnedA);
    // specs of the other kinds are unchanged by the new field
    assertThat(base.canonicalJson()).doesNotContain("moduleSha256");
    assertThatThrownBy(() -> module.withModuleSha256("A".repeat(64)))
        .hasMessage("encoder moduleSha256 = '" + "A".repeat(64) + "': must be 64 lowercase hex digits (a SHA-256)");
    assertThatThrownBy(() -> module.withModuleSha256("ab"))
        .hasMessageContaining("must be 64 lowercase hex digits");
    assertThatThrownBy(() -> base.encoder().withModuleSha256(a))
        .hasMessage("encoder moduleSha256 names a module file's content; only kind = torchscript has one, not kind = transformer");
  }
}

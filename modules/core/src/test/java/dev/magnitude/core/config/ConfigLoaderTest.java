package dev.magnitude.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing set is ignored silently: keys outside {@code magnitude}, -D options that are no setting and no system
 * property, misspelled system properties. Before this change, each case marked "silently ignored" below loaded
 * the defaults without an error (so the run used 500 steps, not 5).
 */
class ConfigLoaderTest {
  @TempDir Path dir;

  private Config load(String file, Map<String, String> overrides) throws IOException {
    return load(file, overrides, new Properties());
  }

  private Config load(String file, Map<String, String> overrides, Properties system) throws IOException {
    Path conf = dir.resolve("sweep.conf");
    Files.writeString(conf, file);
    return new ConfigLoader(SettingsTest.REFERENCE.resolve(), system).load(List.of(conf), overrides);
  }

  @Test
  void aKeyWithoutTheMagnitudeWrapperIsAnErrorNamingTheKeyItMeant() {
    // silently ignored before
    assertThatThrownBy(() -> load("# a sweep\ntrain.steps = 5\n", Map.of()))
        .isInstanceOf(ConfigError.class)
        .hasMessage("config file " + dir.resolve("sweep.conf") + " line 2: top-level key train.steps is not a"
            + " Magnitude setting (settings go under magnitude { }; another top-level key must be substituted into"
            + " one); did you mean magnitude.train.steps?");
    // silently ignored before: a misspelled wrapper
    assertThatThrownBy(() -> load("magnitud { train { steps = 5 } }", Map.of()))
        .hasMessageContaining("top-level key magnitud.train.steps is not a Magnitude setting")
        .hasMessageEndingWith("did you mean magnitude.train.steps?");
  }

  @Test
  void aTopLevelValueThatASettingSubstitutesIsAllowed() throws IOException {
    // the shape of conf/sweeps/paper.conf: helpers at the top level, substituted under magnitude
    Config c = load("""
        data = "/data"
        tok { kind = huggingface, path = ${data}"/tok.json" }
        magnitude.work-dir = ${data}"/work"
        magnitude.prepare.tokenizer = ${tok}
        """, Map.of());
    assertThat(c.getString("magnitude.work-dir")).isEqualTo("/data/work");
    assertThat(c.getString("magnitude.prepare.tokenizer.path")).isEqualTo("/data/tok.json");
    // one that nothing substitutes is an error (here it is not near any key, so nothing is suggested)
    assertThatThrownBy(() -> load("data = \"/data\"\nunused = 3\nmagnitude.work-dir = ${data}", Map.of()))
        .hasMessageEndingWith("line 2: top-level key unused is not a Magnitude setting (settings go under magnitude"
            + " { }; another top-level key must be substituted into one)");
  }

  @Test
  void aDashDOptionThatIsNoSettingAndNoSystemPropertyIsAnError() {
    // silently ignored before
    assertThatThrownBy(() -> load("", Map.of("magnitud.train.steps", "5")))
        .isInstanceOf(ConfigError.class)
        .hasMessageStartingWith("-Dmagnitud.train.steps=5 is neither a Magnitude setting (magnitude.*) nor a system"
            + " property (java., javax., jdk., sun., user., file., line., os., path., native., spark., hadoop.,")
        .hasMessageEndingWith("; did you mean magnitude.train.steps?");
    assertThatThrownBy(() -> load("", Map.of("train.steps", "5")))
        .hasMessageEndingWith("; did you mean magnitude.train.steps?");
  }

  @Test
  void systemPropertiesOfTheJvmSparkAndHadoopPassAndAreNoSettings() throws IOException {
    Config c = load("", Map.of("spark.foo", "1", "user.timezone", "UTC", "hadoop.tmp.dir", "/t",
        "magnitude.train.steps", "5"));
    assertThat(c.getInt("magnitude.train.steps")).isEqualTo(5);
    assertThat(c.hasPath("spark.foo")).isFalse();
    assertThat(c.hasPath("user.timezone")).isFalse();
  }

  @Test
  void aMisspelledKeyInsideMagnitudeNamesTheClosestKnownKey() {
    assertThatThrownBy(() -> load("magnitude.train.stepz = 5", Map.of()))
        .hasMessageStartingWith("unknown key magnitude.train.stepz; known keys under magnitude.train: batch-size,")
        .hasMessageEndingWith("; did you mean magnitude.train.steps?");
    assertThatThrownBy(() -> load("", Map.of("magnitude.train.batchsize", "8")))
        .hasMessageEndingWith("; did you mean magnitude.train.batch-size?");
    assertThatThrownBy(() -> load("magnitude.datasets.mine { format = beir, pth = /x }", Map.of()))
        .hasMessageStartingWith("unknown key magnitude.datasets.mine.pth; a dataset takes:")
        .hasMessageEndingWith("; did you mean magnitude.datasets.mine.path?");
    // nothing within three edits of "lr": no suggestion, only the list
    assertThatThrownBy(() -> load("magnitude.train.lr = 5", Map.of()))
        .hasMessageNotContaining("did you mean");
  }

  @Test
  void jvmSystemPropertiesUnderMagnitudeAreSettingsAndAreChecked() throws IOException {
    Properties system = new Properties();
    system.setProperty("magnitude.train.steps", "7");
    system.setProperty("java.version", "17");
    assertThat(load("", Map.of(), system).getInt("magnitude.train.steps")).isEqualTo(7);
    // the files win over them, as over the reference
    assertThat(load("magnitude.train.steps = 9", Map.of(), system).getInt("magnitude.train.steps")).isEqualTo(9);

    // silently ignored before: spark-submit --driver-java-options "-Dmagnitude.train.stepz=5"
    Properties typo = new Properties();
    typo.setProperty("magnitude.train.stepz", "5");
    assertThatThrownBy(() -> load("", Map.of(), typo))
        .hasMessageStartingWith("unknown key magnitude.train.stepz (a JVM system property); known keys under")
        .hasMessageEndingWith("did you mean magnitude.train.steps?");
    Properties root = new Properties();
    root.setProperty("magnitud.train.steps", "5");
    assertThatThrownBy(() -> load("", Map.of(), root))
        .hasMessage("JVM system property magnitud.train.steps is not read: Magnitude's settings are under magnitude."
            + "; did you mean magnitude.train.steps?");
  }

  @Test
  void editDistanceCountsInsertionsDeletionsAndSubstitutions() {
    // kitten → sitten (k/s) → sittin (e/i) → sitting (+g)
    assertThat(KeySuggestions.distance("kitten", "sitting")).isEqualTo(3);
    // flaw → law (−f) → lawn (+n)
    assertThat(KeySuggestions.distance("flaw", "lawn")).isEqualTo(2);
    assertThat(KeySuggestions.distance("", "abc")).isEqualTo(3);
    assertThat(KeySuggestions.distance("magnitude", "magnitude")).isZero();
  }
}

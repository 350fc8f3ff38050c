package dev.magnitude.jobs.layout;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md: dependencies point one way (jobs → prepare, worker → core); core imports neither Spark nor
 * DJL; the worker (the training process) imports no Spark; the offline sample generators (samples) are
 * needed by no job. Checked on the poms and on the sources.
 */
class ModuleBoundariesTest {
  /** The surefire working directory is modules/jobs. */
  static final Path MODULES = Path.of("..").toAbsolutePath().normalize();

  static List<String> magnitudeDependencies(String module) throws IOException {
    String pom = Files.readString(MODULES.resolve(module).resolve("pom.xml"));
    List<String> deps = new ArrayList<>();
    Matcher m = Pattern.compile("<artifactId>magnitude-([a-z]+)</artifactId>").matcher(pom);
    while (m.find()) {
      if (!m.group(1).equals(module) && !m.group(1).equals("parent")) {
        deps.add(m.group(1));
      }
    }
    return deps;
  }

  static List<String> importsMatching(String module, String regex) throws IOException {
    Pattern p = Pattern.compile("^import (static )?(" + regex + ")", Pattern.MULTILINE);
    List<String> offenders = new ArrayList<>();
    try (Stream<Path> files = Files.walk(MODULES.resolve(module).resolve("src/main/java"))) {
      for (Path f : files.filter(x -> x.toString().endsWith(".java")).toList()) {
        if (p.matcher(Files.readString(f)).find()) {
          offenders.add(MODULES.relativize(f).toString());
        }
      }
    }
    return offenders;
  }

  @Test
  void modulesDependOneWay() throws IOException {
    assertThat(magnitudeDependencies("core")).isEmpty();
    assertThat(magnitudeDependencies("prepare")).containsExactly("core");
    assertThat(magnitudeDependencies("worker")).containsExactly("core");
    assertThat(magnitudeDependencies("jobs")).containsExactlyInAnyOrder("prepare", "worker");
    assertThat(magnitudeDependencies("samples")).isEmpty();
  }

  @Test
  void coreNamesNeitherSparkNorDjlAndTheWorkerNoSpark() throws IOException {
    assertThat(importsMatching("core", "org\\.apache\\.spark|ai\\.djl|org\\.apache\\.hadoop")).isEmpty();
    assertThat(importsMatching("worker", "org\\.apache\\.spark|scala\\.")).isEmpty();
    assertThat(importsMatching("prepare", "ai\\.djl\\.(training|nn|pytorch)")).isEmpty();
    // the check itself must see the sources: the jobs module does import Spark
    assertThat(importsMatching("jobs", "org\\.apache\\.spark")).isNotEmpty();
  }
}

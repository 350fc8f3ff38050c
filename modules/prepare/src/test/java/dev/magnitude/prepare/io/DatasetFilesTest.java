package dev.magnitude.prepare.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.magnitude.prepare.io.DatasetFiles.Kind;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real paths inside a dataset folder, through the local file system (java.nio's real paths), through a Hadoop
 * file system with links that is not {@code file:} ({@link OtherScheme}: the local disk under another scheme,
 * its links reported by {@code getFileLinkStatus} as HDFS reports its own) and through one without links
 * ({@link NoLinks}, as S3A).
 */
class DatasetFilesTest {
  private static final byte[] IMAGE = "eleven bytes".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path tmp;

  /**
   * The local disk under the scheme {@code otherfs:}, standing for a Hadoop file system with links (HDFS): its
   * {@code getFileLinkStatus} reports a link and its target as stored. (RawLocalFileSystem's own reads the link
   * of the path's string form, which fails for a qualified path, so it never reports one; the local disk itself
   * is read through java.nio.)
   */
  public static class OtherScheme extends RawLocalFileSystem {
    @Override
    public URI getUri() {
      return URI.create(getScheme() + ":///");
    }

    @Override
    public String getScheme() {
      return "otherfs";
    }

    @Override
    public FileStatus getFileLinkStatus(org.apache.hadoop.fs.Path f) throws IOException {
      Path local = Path.of(makeQualified(f).toUri().getPath());
      if (!Files.isSymbolicLink(local)) {
        return getFileStatus(f);
      }
      FileStatus link = new FileStatus(0, false, 1, 0, 0, makeQualified(f));
      link.setSymlink(new org.apache.hadoop.fs.Path(Files.readSymbolicLink(local).toString()));
      return link;
    }
  }

  /** The local disk under {@code nolinks:}, a file system without links (S3A): links are followed unseen. */
  public static final class NoLinks extends OtherScheme {
    @Override
    public String getScheme() {
      return "nolinks";
    }

    @Override
    public boolean supportsSymlinks() {
      return false;
    }
  }

  private static FileSystem fs(String scheme) throws IOException {
    Configuration conf = new Configuration();
    conf.set("fs.otherfs.impl", OtherScheme.class.getName());
    conf.set("fs.nolinks.impl", NoLinks.class.getName());
    conf.setBoolean("fs.otherfs.impl.disable.cache", true);
    conf.setBoolean("fs.nolinks.impl.disable.cache", true);
    return FileSystem.get(URI.create(scheme + ":///"), conf);
  }

  /** Without links, one resolvePath and one status: a file, a folder, nothing. */
  @Test
  void aFileSystemWithoutLinksTellsFilesFoldersAndNothingApart() throws Exception {
    Path ds = LinkedFolder.write(tmp, IMAGE);
    DatasetFiles files = DatasetFiles.of(fs("nolinks"), uri("nolinks", ds));
    assertThat(files.resolve("pics/ok.png").kind()).isEqualTo(Kind.FILE);
    assertThat(files.readAtMost(files.resolve("pics/ok.png"), 100)).isEqualTo(IMAGE);
    assertThat(files.resolve("pics/dir.png").kind()).isEqualTo(Kind.NOT_REGULAR);
    assertThat(files.resolve("pics/none.png").kind()).isEqualTo(Kind.MISSING);
  }

  private static String uri(String scheme, Path path) {
    return scheme + "://" + path;
  }

  @ParameterizedTest
  @ValueSource(strings = {"file", "otherfs"})
  void everyLayoutIsToldApart(String scheme) throws Exception {
    Path ds = LinkedFolder.write(tmp, IMAGE);
    FileSystem fs = fs(scheme);
    for (String folder : List.of(uri(scheme, ds), uri(scheme, tmp.resolve("ds-link")))) {
      DatasetFiles files = DatasetFiles.of(fs, folder);
      for (String path : LinkedFolder.INSIDE) {
        assertThat(files.resolve(path).kind()).as(folder + " " + path).isEqualTo(Kind.FILE);
        assertThat(files.readAtMost(files.resolve(path), 100)).isEqualTo(IMAGE);
      }
      for (String path : LinkedFolder.OUTSIDE) {
        assertThat(files.resolve(path).kind()).as(folder + " " + path).isEqualTo(Kind.OUTSIDE);
      }
      assertThat(files.resolve("pics/zero.png").realPath()).endsWith("/dev/zero");
      assertThat(files.resolve("pics/dir.png").kind()).isEqualTo(Kind.NOT_REGULAR);
      if (scheme.equals("file")) {
        // RawLocalFileSystem calls a FIFO a file (it is not a folder): on HDFS and S3A there are none
        assertThat(files.resolve("pics/fifo.png").kind()).isEqualTo(Kind.NOT_REGULAR);
      }
      for (String path : LinkedFolder.MISSING) {
        assertThat(files.resolve(path).kind()).as(folder + " " + path).isEqualTo(Kind.MISSING);
      }
    }
  }

  @Test
  void aFolderIsNotInsideAFolderWhoseNameItStartsWith() throws Exception {
    Files.createDirectories(tmp.resolve("data/a"));
    Files.write(Files.createDirectories(tmp.resolve("data/ab")).resolve("x.png"), IMAGE);
    Files.createSymbolicLink(tmp.resolve("data/a/x.png"), Path.of("../ab/x.png"));
    for (String scheme : List.of("file", "otherfs")) {
      DatasetFiles files = DatasetFiles.of(fs(scheme), uri(scheme, tmp.resolve("data/a")));
      assertThat(files.resolve("x.png").kind()).as(scheme).isEqualTo(Kind.OUTSIDE);
    }
  }

  @Test
  void readsAreBoundedWhateverSizeTheFileReports() throws Exception {
    Path ds = LinkedFolder.write(tmp, IMAGE);
    DatasetFiles files = DatasetFiles.of(fs("file"), ds.toString());
    // a limit below the file's 12 bytes: limit + 1 bytes, so the caller sees that it is over
    assertThat(files.readAtMost(files.resolve("pics/ok.png"), 4)).hasSize(5);
    assertThat(files.readAtMost(files.resolve("pics/ok.png"), 12)).isEqualTo(IMAGE);
    assertThatThrownBy(() -> files.readAtMost(files.resolve("pics/zero.png"), 4))
        .isInstanceOf(IllegalArgumentException.class);

    // /proc files report 0 bytes and hold more: the bound does not trust the reported size
    assumeTrue(Files.isRegularFile(Path.of("/proc/self/status")), "no /proc here");
    FileSystem local = fs("file");
    DatasetFiles proc = DatasetFiles.of(local, "/proc/self");
    DatasetFiles.Resolved status = proc.resolve("status");
    assertThat(status.kind()).isEqualTo(Kind.FILE);
    assertThat(local.getFileStatus(new org.apache.hadoop.fs.Path(status.realPath())).getLen()).isZero();
    assertThat(proc.readAtMost(status, 16)).hasSize(17);
  }

  /** Before, a link out of the folder, a folder or a FIFO at corpus.jsonl was read (or, for a folder, "not found"). */
  @Test
  void inputFilesMustBeRegularFilesInsideTheFolder() throws Exception {
    Path ds = LinkedFolder.write(tmp, IMAGE);
    FileSystem fs = fs("file");
    DatasetFiles.requireFiles(fs, ds.toString(), LinkedFolder.INSIDE, List.of("train"), "a layout");
    assertThatThrownBy(() -> DatasetFiles.requireFiles(fs, ds.toString(), List.of("pics/host.png"), List.of("train"),
            "a layout"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pics/host.png at " + ds + "/pics/host.png leads out of the dataset folder (to /etc/hostname); a"
            + " dataset's files are read only inside its folder: copy the file in, or make path the folder that"
            + " holds it");
    assertThatThrownBy(() -> DatasetFiles.requireFiles(fs, ds.toString(), List.of("pics/fifo.png"), List.of("train"),
            "a layout"))
        .hasMessage("pics/fifo.png at " + ds + "/pics/fifo.png is not a regular file (a folder, FIFO or device); a"
            + " layout");
    assertThatThrownBy(() -> DatasetFiles.requireFiles(fs, ds.toString(), List.of("pics/none.png"), List.of("train"),
            "a layout"))
        .hasMessageStartingWith("pics/none.png not found at " + ds + "/pics/none.png; a layout for each split");
  }
}

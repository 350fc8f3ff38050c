package dev.magnitude.prepare.io;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A dataset folder {@code ds} with the layouts {@link DatasetFiles} must tell apart: files and links that stay
 * inside it, links that lead out of it (to a file elsewhere, to /etc/hostname, to /dev/zero, through a linked
 * folder), a folder and a FIFO where a file is expected, a dangling link and a link loop; next to it {@code
 * elsewhere/x.png}, outside, and {@code ds-link}, a link to the folder itself.
 */
public final class LinkedFolder {
  private LinkedFolder() {}

  /** Regular files inside the folder, reached directly, through a link and through a linked folder. */
  public static final List<String> INSIDE = List.of("pics/ok.png", "pics/inside.png", "linked/ok.png");
  /** Links out of the folder. */
  public static final List<String> OUTSIDE = List.of("pics/out.png", "pics/host.png", "pics/zero.png", "ext/x.png");
  /** A folder and a FIFO. */
  public static final List<String> NOT_REGULAR = List.of("pics/dir.png", "pics/fifo.png");
  /** A path with nothing there, a dangling link, a link to itself. */
  public static final List<String> MISSING = List.of("pics/none.png", "pics/dangling.png", "pics/loop.png");

  /**
   * Writes the folder under {@code tmp}, {@code image} as the bytes of every regular file; skips the test where
   * the machine has no /etc/hostname or no mkfifo.
   *
   * @return {@code tmp/ds}
   */
  public static Path write(Path tmp, byte[] image) throws IOException, InterruptedException {
    assumeTrue(Files.isRegularFile(Path.of("/etc/hostname")), "no /etc/hostname here");
    Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
    Files.write(elsewhere.resolve("x.png"), image);
    Path ds = Files.createDirectories(tmp.resolve("ds"));
    Path pics = Files.createDirectories(ds.resolve("pics"));
    Files.write(pics.resolve("ok.png"), image);
    Files.createSymbolicLink(pics.resolve("inside.png"), Path.of("ok.png"));
    Files.createSymbolicLink(ds.resolve("linked"), Path.of("pics"));
    Files.createSymbolicLink(pics.resolve("out.png"), Path.of("../../elsewhere/x.png"));
    Files.createSymbolicLink(pics.resolve("host.png"), Path.of("/etc/hostname"));
    Files.createSymbolicLink(pics.resolve("zero.png"), Path.of("/dev/zero"));
    Files.createSymbolicLink(ds.resolve("ext"), Path.of("../elsewhere"));
    Files.createDirectories(pics.resolve("dir.png"));
    Process mkfifo = new ProcessBuilder("mkfifo", pics.resolve("fifo.png").toString()).start();
    assumeTrue(mkfifo.waitFor() == 0, "no mkfifo here");
    Files.createSymbolicLink(pics.resolve("dangling.png"), Path.of("gone.png"));
    Files.createSymbolicLink(pics.resolve("loop.png"), Path.of("loop.png"));
    Files.createSymbolicLink(tmp.resolve("ds-link"), Path.of("ds"));
    return ds;
  }
}

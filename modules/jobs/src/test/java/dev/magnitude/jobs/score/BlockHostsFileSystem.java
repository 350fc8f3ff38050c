package dev.magnitude.jobs.score;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.BlockLocation;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The local disk under the scheme {@code blockfs:}, with made-up block locations as a distributed file system
 * reports them: blocks of 100 bytes, block b held by hosts {@code h<b>} and {@code h<b+1>}. Register with
 * {@code fs.blockfs.impl}.
 */
public final class BlockHostsFileSystem extends RawLocalFileSystem {
  public static final String SCHEME = "blockfs";

  @Override
  public URI getUri() {
    return URI.create(SCHEME + ":///");
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  public BlockLocation[] getFileBlockLocations(FileStatus file, long start, long len) {
    List<BlockLocation> blocks = new ArrayList<>();
    for (long b = start / 100; b * 100 < start + len; b++) {
      String[] hosts = {"h" + b, "h" + (b + 1)};
      blocks.add(new BlockLocation(new String[] {hosts[0] + ":9866", hosts[1] + ":9866"}, hosts, b * 100, 100));
    }
    return blocks.toArray(new BlockLocation[0]);
  }
}

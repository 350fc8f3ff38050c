package dev.magnitude.core.manifest;

/**
 * Row accounting of one input file of the prepare job: every row read is either written or quarantined,
 * so {@code in == written + quarantined} always holds (checked on construction).
 */
public record FileCounts(long in, long written, long quarantined) {
  public FileCounts {
    if (in < 0 || written < 0 || quarantined < 0 || in != written + quarantined) {
      throw new IllegalArgumentException(
          "row counts do not add up: in = " + in + ", written = " + written + ", quarantined = " + quarantined);
    }
  }
}

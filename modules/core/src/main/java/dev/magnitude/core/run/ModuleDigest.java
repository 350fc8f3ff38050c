package dev.magnitude.core.run;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The content hash of a TorchScript module file ({@link EncoderSpec#moduleSha256()}): SHA-256 over its bytes,
 * as 64 lowercase hex digits (what {@code sha256sum} prints). Streamed, since a traced pretrained encoder can
 * be hundreds of megabytes: the planner hashes it on the driver and the worker hashes its local copy.
 */
public final class ModuleDigest {
  private ModuleDigest() {}

  /** Reads {@code in} to its end (the caller closes it). */
  public static String sha256(InputStream in) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
    byte[] buffer = new byte[1 << 16];
    for (int n; (n = in.read(buffer)) >= 0; ) {
      digest.update(buffer, 0, n);
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}

package dev.magnitude.worker;

/**
 * A run cannot go on, for a reason a user can act on. The message is the reason reported in the
 * worker's {@code failed} event, so it names what is wrong, the bad value and, where relevant, the
 * step and variant.
 */
public final class RunFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public RunFailure(String reason) {
    super(reason);
  }

  public RunFailure(String reason, Throwable cause) {
    super(reason, cause);
  }
}

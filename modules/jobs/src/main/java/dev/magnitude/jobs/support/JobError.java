package dev.magnitude.jobs.support;

/**
 * A condition the user can act on (a missing work directory, a dataset not prepared, a failed run).
 * The CLI prints its one-line message and exits non-zero, without a stack trace.
 */
public final class JobError extends RuntimeException {
  public JobError(String message) {
    super(message);
  }

  public JobError(String message, Throwable cause) {
    super(message, cause);
  }
}

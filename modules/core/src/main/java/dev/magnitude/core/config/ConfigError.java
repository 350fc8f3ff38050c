package dev.magnitude.core.config;

/**
 * A configuration a job cannot start with. Its message is one line for the user: the key or path,
 * the bad value and what is allowed. Entry points print it and exit non-zero, without a stack trace.
 */
public final class ConfigError extends RuntimeException {
  public ConfigError(String message) {
    super(message);
  }

  public ConfigError(String message, Throwable cause) {
    super(message, cause);
  }
}

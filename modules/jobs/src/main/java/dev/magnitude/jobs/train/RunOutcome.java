package dev.magnitude.jobs.train;

import java.io.Serializable;
import java.util.List;

/**
 * What became of one run's worker process.
 *
 * @param exitCode the worker's exit code; −1 when it could not be started
 * @param lastLines the worker's last output lines (stdout and stderr), for the failure report
 * @param skipped true when the run was already finished and nothing was launched
 */
public record RunOutcome(String runId, boolean succeeded, boolean skipped, int exitCode, List<String> lastLines, double seconds)
    implements Serializable {
  public RunOutcome {
    lastLines = List.copyOf(lastLines);
  }
}

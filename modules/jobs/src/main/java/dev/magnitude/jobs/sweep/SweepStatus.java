package dev.magnitude.jobs.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnitude.core.config.Settings;
import dev.magnitude.core.json.Json;
import dev.magnitude.core.layout.WorkDir;
import dev.magnitude.core.run.RunSpec;
import dev.magnitude.core.run.Variant;
import dev.magnitude.prepare.io.HadoopFiles;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code jobs/magnitude status}: every run of the configured sweep as done, failed, running or pending,
 * read from the work directory alone (no Spark, no locks taken), so it is safe to call while a sweep runs.
 *
 * <ul>
 *   <li>done: the run's {@code _SUCCESS} exists;
 *   <li>running: another (or this) sweep holds the run's lock and its heartbeat is fresh;
 *   <li>failed: the last attempt left {@code failure.json} and nobody holds the lock;
 *   <li>pending: none of these (never started, interrupted, or its lock is stale: a sweep that died).
 * </ul>
 * Runs of a dataset that is not prepared yet have no id (it hashes the prepared data) and are listed as
 * pending by dataset, variant and seed.
 */
public final class SweepStatus {
  /** A run's state. */
  public enum State {
    DONE, RUNNING, FAILED, PENDING;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** One line of the status: the run id is empty for a dataset not prepared yet. */
  public record Entry(State state, String runId, String dataset, String variant, long seed, String detail) {}

  private static final Pattern STEP = Pattern.compile("step-(\\d+)\\.ckpt$");

  private SweepStatus() {}

  /** The state of every run of the sweep, in plan order (dataset × variant × seed). */
  public static List<Entry> of(Settings settings, WorkDir work, HadoopFiles fs, Clock clock) {
    List<String> unprepared = new ArrayList<>();
    for (String d : settings.sweep().datasets()) {
      if (!fs.exists(work.dataset(d) + "/" + WorkDir.SUCCESS)) {
        unprepared.add(d);
      }
    }
    List<RunSpec> planned = RunPlanner.plan(settings, work, fs, d -> !unprepared.contains(d));
    RunLocks locks = new RunLocks(
        work, fs.conf(), settings.sweep().id(), settings.lockStaleAfter(), clock, System.err);
    List<Entry> entries = new ArrayList<>();
    int next = 0;
    for (String dataset : settings.sweep().datasets()) {
      for (Variant variant : settings.sweep().variants()) {
        for (long seed : settings.sweep().seeds()) {
          if (unprepared.contains(dataset)) {
            entries.add(new Entry(State.PENDING, "", dataset, variant.id(), seed, "dataset not prepared"));
          } else {
            entries.add(entry(planned.get(next++), work, fs, locks, clock));
          }
        }
      }
    }
    return entries;
  }

  private static Entry entry(RunSpec spec, WorkDir work, HadoopFiles fs, RunLocks locks, Clock clock) {
    String id = spec.id();
    State state;
    String detail;
    Optional<RunLocks.Holder> lock = locks.read(id);
    if (fs.exists(work.runSuccess(id))) {
      state = State.DONE;
      detail = "";
    } else if (lock.isPresent() && !locks.isStale(lock.get())) {
      state = State.RUNNING;
      detail = progress(spec, work, fs) + "; lock " + lock.get().owner() + ", heartbeat "
          + lock.get().age(clock).toSeconds() + " s ago";
    } else if (fs.exists(work.failure(id))) {
      state = State.FAILED;
      detail = failure(fs.readString(work.failure(id)));
    } else {
      state = State.PENDING;
      detail = progress(spec, work, fs);
      if (lock.isPresent()) {
        detail += "; stale lock of " + lock.get().owner() + " (heartbeat " + lock.get().age(clock).toMinutes()
            + " min ago; the next sweep takes it over)";
      }
    }
    return new Entry(state, id, spec.dataset(), spec.variant().id(), spec.seed(), detail);
  }

  /** "checkpoint at step n of N", or "not started". */
  private static String progress(RunSpec spec, WorkDir work, HadoopFiles fs) {
    long last = -1;
    for (String f : fs.glob(work.checkpoints(spec.id()) + "/step-*.ckpt")) {
      Matcher m = STEP.matcher(f);
      if (m.find()) {
        last = Math.max(last, Long.parseLong(m.group(1)));
      }
    }
    return last < 0
        ? "no checkpoint yet"
        : "checkpoint at step " + last + " of " + spec.training().steps();
  }

  private static String failure(String json) {
    try {
      JsonNode n = Json.MAPPER.readTree(json);
      String line = "exit " + n.path("exitCode").asInt();
      JsonNode lines = n.path("lastLines");
      if (lines.isArray() && lines.size() > 0) {
        line += ": " + lines.get(lines.size() - 1).asText();
      }
      return line;
    } catch (java.io.IOException e) {
      return "failure.json unreadable: " + e.getMessage();
    }
  }

  /** Prints the entries as a table with a count per state first. */
  public static void print(String sweepId, List<Entry> entries, PrintStream out) {
    Map<State, Integer> counts = new EnumMap<>(State.class);
    for (Entry e : entries) {
      counts.merge(e.state(), 1, Integer::sum);
    }
    StringBuilder head = new StringBuilder("sweep " + sweepId + ": " + entries.size() + " runs");
    for (State s : State.values()) {
      head.append(s == State.DONE ? ": " : ", ").append(counts.getOrDefault(s, 0)).append(' ').append(s.label());
    }
    out.println(head);
    int w = Math.max(3, entries.stream().mapToInt(e -> e.runId().length()).max().orElse(3));
    out.printf("%-8s %-" + w + "s  %s%n", "STATE", "RUN", "DETAIL");
    for (Entry e : entries) {
      String run = e.runId().isEmpty() ? e.dataset() + "/" + e.variant() + "/s" + e.seed() : e.runId();
      out.printf("%-8s %-" + w + "s  %s%n", e.state().label(), run, e.detail());
    }
  }
}

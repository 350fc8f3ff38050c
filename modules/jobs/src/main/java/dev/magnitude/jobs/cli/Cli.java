package dev.magnitude.jobs.cli;

import dev.magnitude.core.config.ConfigError;
import dev.magnitude.core.config.ConfigLoader;
import dev.magnitude.core.config.Settings;
import dev.magnitude.core.config.SystemPropertyKeys;
import dev.magnitude.jobs.support.JobError;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code jobs/magnitude <command> [options]}: the command line of the three jobs and the sweep.
 *
 * <p>Exit codes: 0 done; 1 a job ran but something failed (a run, a dataset); 2 the command could not
 * start (usage, configuration, missing work directory or data) and wrote nothing.
 */
public final class Cli {
  static final String USAGE =
      """
      usage: jobs/magnitude <command> [--conf FILE]... [--work-dir DIR] [--force] [-Dmagnitude.KEY=VALUE]...

      commands:
        prepare    read, validate and tokenize the sweep's datasets into Parquet shards
        train      train every run of the sweep (dataset × variant × seed), one worker process per run
        aggregate  score every finished run, compute metrics and effect sizes, write results/<sweep>
        sweep      prepare, train and aggregate, skipping what is already finished
        status     list the sweep's runs as done, failed, running or pending (reads the work directory only)

      options:
        --conf FILE      a HOCON file layered over the defaults; repeatable, later files win
                         (profiles: conf/local.conf; sweeps: conf/sweeps/demo.conf)
        --work-dir DIR   the work directory, any Hadoop URI or local path (= -Dmagnitude.work-dir=DIR)
        --force          prepare: redo datasets whose manifest matches
        -Dkey=value      override one setting, e.g. -Dmagnitude.train.steps=100; a key of the JVM, Spark
                         or Hadoop (java., user., spark., hadoop., ...) is set as a system property
      """;

  /** Parsed command line. */
  record Args(String command, List<Path> confFiles, Map<String, String> overrides, boolean force) {}

  public static void main(String[] argv) {
    int code = run(argv, System.out, System.err);
    System.exit(code);
  }

  /** Runs a command and returns its exit code; never exits the JVM (tests call this). */
  public static int run(String[] argv, PrintStream out, PrintStream err) {
    Args args;
    try {
      args = parse(argv);
    } catch (IllegalArgumentException e) {
      err.println("magnitude: " + e.getMessage());
      err.print(USAGE);
      return 2;
    }
    if (args.command().equals("help")) {
      out.print(USAGE);
      return 0;
    }
    try {
      Settings settings =
          new Settings(ConfigLoader.fromClasspath().load(args.confFiles(), args.overrides())).validate();
      // -D options of the JVM, Spark and Hadoop: the session and file systems made from here on see them
      args.overrides().forEach((key, value) -> {
        if (SystemPropertyKeys.isSystemProperty(key)) {
          System.setProperty(key, value);
        }
      });
      return Commands.run(args.command(), settings, args.force(), out, err);
    } catch (ConfigError | JobError e) {
      err.println("magnitude: error: " + e.getMessage());
      return 2;
    }
  }

  static Args parse(String[] argv) {
    if (argv.length == 0) {
      throw new IllegalArgumentException("no command given");
    }
    String command = argv[0];
    if (!List.of("prepare", "train", "aggregate", "sweep", "status", "help", "--help", "-h").contains(command)) {
      throw new IllegalArgumentException("unknown command '" + command + "'");
    }
    if (command.startsWith("-")) {
      command = "help";
    }
    List<Path> conf = new ArrayList<>();
    Map<String, String> overrides = new LinkedHashMap<>();
    boolean force = false;
    for (int i = 1; i < argv.length; i++) {
      String a = argv[i];
      if (a.equals("--conf") || a.equals("--work-dir")) {
        if (i + 1 >= argv.length) {
          throw new IllegalArgumentException(a + " needs a value");
        }
        String value = argv[++i];
        if (a.equals("--conf")) {
          conf.add(Path.of(value));
        } else {
          overrides.put("magnitude.work-dir", value);
        }
      } else if (a.equals("--force")) {
        force = true;
      } else if (a.startsWith("-D") && a.indexOf('=') > 2) {
        overrides.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
      } else {
        throw new IllegalArgumentException("unknown option '" + a + "'");
      }
    }
    return new Args(command, conf, overrides, force);
  }
}

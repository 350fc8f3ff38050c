package dev.magnitude.jobs.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnitude.core.json.Json;
import dev.magnitude.core.layout.WorkDir;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Run locks in the work directory, so two sweeps (two scheduled CronJob runs, a scheduled sweep and an
 * ad-hoc rerun) never train the same run at once: a train job trains a run only while it holds the
 * run's {@code runs/<id>/_LOCK}.
 *
 * <p>A lock is a small JSON file (owner, acquired, heartbeat in epoch milliseconds) created
 * exclusively: with {@code O_CREAT|O_EXCL} on a local or NFS-less POSIX file system, and with
 * {@code create(overwrite = false)} elsewhere, which is atomic on HDFS. The holder rewrites the
 * heartbeat every {@code staleAfter / 5}; a lock whose heartbeat is older than {@code staleAfter}, or
 * whose owner is a process of this host that has ended, belongs to a driver that died (a killed sweep
 * cannot release its locks) and is taken over by one contender at a time: the one that creates the
 * exclusive marker {@code _LOCK.takeover} checks the lock is still the stale one, deletes it and creates
 * its own (a marker left by a contender that died is cleared once it is stale itself). A first version
 * renamed the stale lock aside instead; under 8 racing contenders it could steal a lock just created and
 * let two of them win. Staleness compares the heartbeat with this host's clock, so
 * hosts sharing a work directory need synchronized clocks (NTP) to well within {@code staleAfter}.
 *
 * <p>On object stores without atomic exclusive create (S3 before conditional writes), two sweeps that
 * start the same run within the same instant can both win; schedule sweeps so they do not overlap
 * there, or use HDFS or a shared POSIX volume for the work directory.
 */
public final class RunLocks implements AutoCloseable {
  /** The file name of a run's lock inside its run folder. */
  public static final String LOCK = "_LOCK";
  private static final String HOST = host();

  /** Who holds a lock, read from its file. */
  public record Holder(String owner, long acquiredMillis, long heartbeatMillis) {
    /** How long ago the last heartbeat was, per {@code clock}. */
    public Duration age(Clock clock) {
      return Duration.ofMillis(Math.max(0, clock.millis() - heartbeatMillis));
    }
  }

  private final WorkDir work;
  private final Configuration conf;
  private final String owner;
  private final Duration staleAfter;
  private final Clock clock;
  private final PrintStream log;
  private final Map<String, Long> held = new LinkedHashMap<>();
  private ScheduledExecutorService heartbeats;

  /**
   * @param sweepId names the owner in lock files (with host, pid and a random part)
   * @param staleAfter a lock whose heartbeat is older is taken over
   */
  public RunLocks(WorkDir work, Configuration conf, String sweepId, Duration staleAfter, Clock clock, PrintStream log) {
    this.work = work;
    this.conf = conf;
    this.owner = sweepId + "@" + HOST + ":" + ManagementFactory.getRuntimeMXBean().getPid() + "/"
        + UUID.randomUUID().toString().substring(0, 8);
    if (staleAfter.isNegative() || staleAfter.isZero()) {
      throw new IllegalArgumentException("lock stale-after = " + staleAfter + ": must be > 0");
    }
    this.staleAfter = staleAfter;
    this.clock = clock;
    this.log = log;
  }

  public String owner() {
    return owner;
  }

  /** The lock file of a run. */
  public String path(String runId) {
    return work.run(runId) + "/" + LOCK;
  }

  /**
   * Takes the run's lock if it is free or stale.
   *
   * @return empty when this object now holds the lock; else the live holder
   */
  public synchronized Optional<Holder> tryAcquire(String runId) {
    Path lock = new Path(path(runId));
    long now = clock.millis();
    if (createExclusive(lock, content(now, now))) {
      held.put(runId, now);
      return Optional.empty();
    }
    Optional<Holder> current = read(runId);
    if (current.isEmpty()) { // released between our create and read: try once more
      if (createExclusive(lock, content(now, now))) {
        held.put(runId, now);
        return Optional.empty();
      }
      return read(runId).or(() -> Optional.of(new Holder("(unknown)", now, now)));
    }
    Holder holder = current.get();
    if (!isStale(holder)) {
      return current;
    }
    // Stale: one contender at a time takes it over, the one that creates the takeover marker. It checks
    // the lock is still the one judged stale, deletes it and creates its own; a plain contender that
    // meanwhile finds the lock gone and creates it wins instead (the taker's create then fails).
    Path takeover = new Path(lock + ".takeover");
    if (!createExclusive(takeover, content(now, now))) {
      clearIfStale(takeover);
      return read(runId).or(() -> Optional.of(holder));
    }
    try {
      Optional<Holder> again = read(runId);
      if (again.isPresent() && !again.get().equals(holder)) {
        return again; // taken over (and released or renewed) since we read it
      }
      if (again.isPresent()) {
        delete(lock);
        log.printf("train: took over the stale lock of run %s from %s (last heartbeat %d s ago)%n",
            runId, holder.owner(), holder.age(clock).toSeconds());
      }
      if (createExclusive(lock, content(now, now))) {
        held.put(runId, now);
        return Optional.empty();
      }
      return read(runId).or(() -> Optional.of(holder));
    } finally {
      delete(takeover);
    }
  }

  /** Deletes a takeover marker left by a contender that died while taking a lock over. */
  private void clearIfStale(Path takeover) {
    if (holderOf(takeover).filter(this::isStale).isPresent()) {
      delete(takeover);
    }
  }

  private void delete(Path file) {
    try {
      file.getFileSystem(conf).delete(file, false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + file + ": " + e.getMessage(), e);
    }
  }

  /** The holder recorded in a run's lock file; empty when the run is not locked. */
  public Optional<Holder> read(String runId) {
    return holderOf(new Path(path(runId)));
  }

  /** The holder a lock or takeover marker records; empty when the file does not exist. */
  private Optional<Holder> holderOf(Path file) {
    try {
      return parse(file.getFileSystem(conf), file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read lock " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * A lock whose heartbeat is older than stale-after: its driver is gone. A lock of a process of this host
   * that no longer runs is stale at once, so a sweep killed on this machine (a crashed ad-hoc rerun, a
   * local master) is picked up by the next one without waiting out stale-after.
   */
  public boolean isStale(Holder holder) {
    return holder.age(clock).compareTo(staleAfter) > 0 || deadOnThisHost(holder.owner());
  }

  /** Whether {@code owner} (sweep@host:pid/random) names a process of this host that has ended. */
  static boolean deadOnThisHost(String owner) {
    int at = owner.lastIndexOf('@');
    int colon = owner.lastIndexOf(':');
    int slash = owner.lastIndexOf('/');
    if (at < 0 || colon < at || slash < colon) {
      return false;
    }
    if (!owner.substring(at + 1, colon).equals(HOST)) {
      return false;
    }
    try {
      long pid = Long.parseLong(owner.substring(colon + 1, slash));
      return ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** Rewrites the heartbeat of every lock held; a lock taken over meanwhile is dropped with a warning. */
  public synchronized void heartbeat() {
    long now = clock.millis();
    for (var it = held.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      Optional<Holder> current = read(e.getKey());
      if (current.isEmpty() || !current.get().owner().equals(owner)) {
        log.printf("train: WARNING lost the lock of run %s (now %s); another sweep may train it too%n",
            e.getKey(), current.map(Holder::owner).orElse("released"));
        it.remove();
        continue;
      }
      overwrite(new Path(path(e.getKey())), content(e.getValue(), now));
    }
  }

  /** Starts rewriting heartbeats every stale-after / 5 on a daemon thread, until {@link #close}. */
  public synchronized void startHeartbeats() {
    if (heartbeats != null) {
      return;
    }
    long period = Math.max(1, staleAfter.toMillis() / 5);
    heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "magnitude-lock-heartbeat");
      t.setDaemon(true);
      return t;
    });
    heartbeats.scheduleAtFixedRate(() -> {
      try {
        heartbeat();
      } catch (RuntimeException e) {
        log.println("train: WARNING lock heartbeat failed: " + e.getMessage());
      }
    }, period, period, TimeUnit.MILLISECONDS);
  }

  /** Releases a run's lock if this object holds it. */
  public synchronized void release(String runId) {
    if (held.remove(runId) == null) {
      return;
    }
    Optional<Holder> current = read(runId);
    if (current.isPresent() && current.get().owner().equals(owner)) {
      Path lock = new Path(path(runId));
      try {
        lock.getFileSystem(conf).delete(lock, false);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot release lock " + lock + ": " + e.getMessage(), e);
      }
    }
  }

  public synchronized List<String> held() {
    return new ArrayList<>(held.keySet());
  }

  /** Stops the heartbeats and releases every lock held. */
  @Override
  public synchronized void close() {
    if (heartbeats != null) {
      heartbeats.shutdownNow();
      heartbeats = null;
    }
    for (String runId : held()) {
      release(runId);
    }
  }

  private byte[] content(long acquired, long heartbeat) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("owner", owner);
    m.put("acquired", acquired);
    m.put("heartbeat", heartbeat);
    return Json.writePretty(m).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A lock file's holder. A file being rewritten can be read empty or half written: then its
   * modification time stands for the heartbeat, so it still counts as held while recent.
   */
  private static Optional<Holder> parse(FileSystem fs, Path lock) throws IOException {
    byte[] bytes;
    long modified;
    try (FSDataInputStream in = fs.open(lock)) {
      bytes = in.readAllBytes();
      modified = fs.getFileStatus(lock).getModificationTime();
    } catch (java.io.FileNotFoundException e) {
      return Optional.empty();
    }
    try {
      JsonNode n = Json.MAPPER.readTree(bytes);
      return Optional.of(new Holder(
          n.get("owner").asText(), n.get("acquired").asLong(), n.get("heartbeat").asLong()));
    } catch (IOException | RuntimeException e) {
      return Optional.of(new Holder("(unreadable lock)", modified, modified));
    }
  }

  private boolean createExclusive(Path lock, byte[] content) {
    try {
      FileSystem fs = lock.getFileSystem(conf);
      if ("file".equals(fs.getScheme())) {
        java.nio.file.Path local = java.nio.file.Path.of(fs.makeQualified(lock).toUri());
        Files.createDirectories(local.getParent());
        try {
          Files.write(local, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
          return true;
        } catch (FileAlreadyExistsException e) {
          return false;
        }
      }
      fs.mkdirs(lock.getParent());
      try (OutputStream out = fs.create(lock, false)) {
        out.write(content);
        return true;
      } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
        return false;
      } catch (IOException e) {
        if (fs.exists(lock)) {
          return false; // some file systems report an existing file with a plain IOException
        }
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create lock " + lock + ": " + e.getMessage(), e);
    }
  }

  /** Replaces a held lock's content: an atomic move on a local file system, an overwrite elsewhere. */
  private void overwrite(Path lock, byte[] content) {
    try {
      FileSystem fs = lock.getFileSystem(conf);
      if ("file".equals(fs.getScheme())) {
        java.nio.file.Path local = java.nio.file.Path.of(fs.makeQualified(lock).toUri());
        java.nio.file.Path tmp = local.resolveSibling(LOCK + ".heartbeat-" + UUID.randomUUID());
        Files.write(tmp, content);
        Files.move(tmp, local, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return;
      }
      try (OutputStream out = fs.create(lock, true)) {
        out.write(content);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write lock heartbeat " + lock + ": " + e.getMessage(), e);
    }
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown-host";
    }
  }
}

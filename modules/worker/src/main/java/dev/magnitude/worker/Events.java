package dev.magnitude.worker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.magnitude.core.json.Json;

/**
 * The worker's event lines: one JSON object per line on stdout, {@code event} first.
 *
 * <pre>
 * {"event":"start","run":R,"device":"cpu()","threads":1,"steps":300,"firstStep":1,"pairs":480}
 * {"event":"progress","run":R,"step":15,"steps":300,"loss":3.12,"pairsPerSecond":350.2}
 * {"event":"checkpoint","run":R,"step":100,"path":"file:/w/runs/R/checkpoints/step-100.ckpt"}
 * {"event":"done","run":R,"seconds":41.7}
 * {"event":"failed","run":R,"reason":"non-finite loss at step 12 (variant dot): NaN; ..."}
 * </pre>
 *
 * {@code firstStep} &gt; 1 means the run resumed from the checkpoint of step firstStep − 1.
 */
public final class Events {
  private Events() {}

  public static String start(String run, String device, int threads, int steps, int firstStep, int pairs) {
    return event("start", run)
        .put("device", device)
        .put("threads", threads)
        .put("steps", steps)
        .put("firstStep", firstStep)
        .put("pairs", pairs)
        .toString();
  }

  public static String progress(String run, int step, int steps, double loss, double pairsPerSecond) {
    return event("progress", run)
        .put("step", step)
        .put("steps", steps)
        .put("loss", loss)
        .put("pairsPerSecond", Math.round(pairsPerSecond * 10) / 10.0)
        .toString();
  }

  public static String checkpoint(String run, int step, String path) {
    return event("checkpoint", run).put("step", step).put("path", path).toString();
  }

  public static String done(String run, double seconds) {
    return event("done", run).put("seconds", Math.round(seconds * 1000) / 1000.0).toString();
  }

  public static String failed(String run, String reason) {
    return event("failed", run).put("reason", reason).toString();
  }

  private static ObjectNode event(String name, String run) {
    // An ObjectNode keeps insertion order (the shared mapper sorts map and bean keys, not node fields).
    return Json.MAPPER.createObjectNode().put("event", name).put("run", run);
  }
}

package dev.magnitude.jobs.train;

/**
 * Stands in for the trainer's WorkerMain in launcher tests: prints worker-style JSON events, echoes its
 * environment, then exits with the code named in the spec argument ({@code --spec exit:<code>}); or
 * prints its start and stays silent for a while ({@code --spec sleep:<millis>}); or echoes its placement
 * (CUDA_VISIBLE_DEVICES, --gpus, --threads) and when it held it, then exits 0 ({@code --spec hold:<millis>}).
 */
public final class FakeWorker {
  public static void main(String[] args) throws InterruptedException {
    if (args[1].startsWith("hold:")) {
      long start = System.currentTimeMillis();
      Thread.sleep(Long.parseLong(args[1].substring("hold:".length())));
      System.out.println("placement CUDA_VISIBLE_DEVICES=" + System.getenv("CUDA_VISIBLE_DEVICES") + " args="
          + String.join(" ", java.util.Arrays.asList(args).subList(2, args.length)) + " held " + start + "-"
          + System.currentTimeMillis());
      System.exit(0);
    }
    if (args[1].startsWith("sleep:")) {
      System.out.println("{\"event\":\"start\",\"run\":\"r\",\"device\":\"cpu()\",\"threads\":1,\"steps\":10}");
      Thread.sleep(Long.parseLong(args[1].substring("sleep:".length())));
      System.exit(0);
    }
    int exit = Integer.parseInt(args[1].substring("exit:".length()));
    System.out.println("{\"event\":\"start\",\"run\":\"r\",\"device\":\"cpu()\",\"threads\":1,\"steps\":10}");
    System.out.println("{\"event\":\"progress\",\"run\":\"r\",\"step\":5,\"steps\":10,\"loss\":1.5,\"pairsPerSecond\":100.0}");
    System.err.println("plain log line on stderr");
    System.out.println("env CUDA_VISIBLE_DEVICES=" + System.getenv("CUDA_VISIBLE_DEVICES")
        + " OMP_NUM_THREADS=" + System.getenv("OMP_NUM_THREADS") + " DJL_OFFLINE=" + System.getenv("DJL_OFFLINE"));
    for (int i = 0; i < 40; i++) {
      System.out.println("line " + i);
    }
    if (exit != 0) {
      System.out.println("{\"event\":\"failed\",\"run\":\"r\",\"reason\":\"non-finite loss at step 7 (variant dot)\"}");
    } else {
      System.out.println("{\"event\":\"done\",\"run\":\"r\",\"seconds\":1.25}");
    }
    System.out.flush();
    System.exit(exit);
  }
}

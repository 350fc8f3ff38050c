package dev.magnitude.samples;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A synthetic STS set whose gold scores are known exactly, in STS-B layout.
 *
 * <p>A scene has five components — adjective, subject, verb phrase, object, place — each one of eight
 * concepts, and every concept has one or more interchangeable wordings (synonyms). A scene is written in
 * one of two templates, "A tired chef is washing a mug in the kitchen." or "In the kitchen, a tired chef
 * is washing a mug.", each wording and template drawn at random. A pair shares exactly k components (k
 * uniform in 0..5; the others get a different concept) and its score is k, so the score range is [0, 5];
 * two sentences with score 5 are paraphrases (synonyms and word order differ, meaning does not).
 *
 * <p>Splits are drawn from their own seeded streams with fixed sizes; a pair of sentence texts occurs
 * once in the whole set.
 */
public final class SyntheticSts {
  public static final long DEFAULT_SEED = 20260209L;
  static final Map<String, Integer> SPLIT_SIZES = Map.of("train", 1050, "dev", 225, "test", 225);
  static final int COMPONENTS = 5;

  /** Concepts of each component (index = component), each a list of wordings. */
  static final List<List<List<String>>> CONCEPTS =
      List.of(
          List.of( // adjective
              List.of("tired", "weary", "exhausted"), List.of("happy", "cheerful", "joyful"),
              List.of("old", "elderly", "aged"), List.of("young", "youthful"), List.of("small", "little", "tiny"),
              List.of("angry", "furious"), List.of("quiet", "silent"), List.of("big", "large")),
          List.of( // subject
              List.of("man", "gentleman"), List.of("woman", "lady"), List.of("child", "kid", "youngster"),
              List.of("dog", "hound"), List.of("cat", "kitty"), List.of("chef", "cook"),
              List.of("student", "pupil"), List.of("doctor", "physician")),
          List.of( // verb phrase
              List.of("is holding", "is carrying"), List.of("is eating", "is consuming"),
              List.of("is watching", "is looking at", "is observing"), List.of("is cleaning", "is washing"),
              List.of("is buying", "is purchasing"), List.of("is painting"), List.of("is throwing", "is tossing"),
              List.of("is repairing", "is fixing", "is mending")),
          List.of( // object
              List.of("ball"), List.of("apple"), List.of("car", "automobile"), List.of("book", "novel"),
              List.of("bicycle", "bike"), List.of("cup", "mug"), List.of("photograph", "photo", "picture"),
              List.of("box", "crate")),
          List.of( // place
              List.of("in the kitchen"), List.of("at the beach", "on the shore", "by the sea"), List.of("in the park"),
              List.of("in the street", "on the road"), List.of("in the office", "at the workplace"),
              List.of("at home", "in the house"), List.of("in a shop", "in a store"),
              List.of("in the forest", "in the woods")));

  /** A scene: the concept index of each component. */
  record Scene(int adjective, int subject, int verb, int object, int place) {
    int get(int component) {
      return switch (component) {
        case 0 -> adjective;
        case 1 -> subject;
        case 2 -> verb;
        case 3 -> object;
        default -> place;
      };
    }

    static Scene of(int[] c) {
      return new Scene(c[0], c[1], c[2], c[3], c[4]);
    }
  }

  record Pair(String sentence1, String sentence2, Scene scene1, Scene scene2, int score) {}

  private SyntheticSts() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 1 || args.length > 2) {
      SampleFiles.usage("expected an output folder", "SyntheticSts <out-dir> [seed]");
      return;
    }
    long seed = args.length == 2 ? Long.parseLong(args[1]) : DEFAULT_SEED;
    Map<String, List<Pair>> splits = generate(SPLIT_SIZES, seed);
    write(splits, Path.of(args[0]).resolve("synthetic-sts"));
    splits.forEach((k, v) -> System.out.println("synthetic-sts/" + k + "\t" + v.size()));
  }

  /** The gold score: the number of components on which the two scenes agree. */
  static int overlap(Scene a, Scene b) {
    int n = 0;
    for (int c = 0; c < COMPONENTS; c++) {
      n += a.get(c) == b.get(c) ? 1 : 0;
    }
    return n;
  }

  /** The sentence of a scene with the given wording of each component and template 0 or 1. */
  static String render(Scene s, int[] wording, int template) {
    String adjective = word(0, s.adjective(), wording[0]);
    String subject = word(1, s.subject(), wording[1]);
    String verb = word(2, s.verb(), wording[2]);
    String object = word(3, s.object(), wording[3]);
    String place = word(4, s.place(), wording[4]);
    String agent = article(adjective) + " " + adjective + " " + subject;
    String action = verb + " " + article(object) + " " + object;
    return template == 0
        ? capitalize(agent) + " " + action + " " + place + "."
        : capitalize(place) + ", " + agent + " " + action + ".";
  }

  static Map<String, List<Pair>> generate(Map<String, Integer> sizes, long seed) {
    Map<String, List<Pair>> out = new LinkedHashMap<>();
    Set<String> seen = new HashSet<>();
    int stream = 0;
    for (String split : SampleFiles.SPLITS) {
      Random random = new Random(seed * 31 + stream++);
      List<Pair> pairs = new ArrayList<>();
      while (pairs.size() < sizes.getOrDefault(split, 0)) {
        int k = pairs.size() % (COMPONENTS + 1); // scores 0..5 equally often
        int[] a = new int[COMPONENTS];
        int[] b = new int[COMPONENTS];
        List<Integer> order = new ArrayList<>(List.of(0, 1, 2, 3, 4));
        java.util.Collections.shuffle(order, random);
        for (int i = 0; i < COMPONENTS; i++) {
          int c = order.get(i);
          int n = CONCEPTS.get(c).size();
          a[c] = random.nextInt(n);
          b[c] = i < k ? a[c] : (a[c] + 1 + random.nextInt(n - 1)) % n;
        }
        Scene sa = Scene.of(a);
        Scene sb = Scene.of(b);
        String s1 = render(sa, wording(sa, random), random.nextInt(2));
        String s2 = render(sb, wording(sb, random), random.nextInt(2));
        if (seen.add(s1 + "\t" + s2) && seen.add(s2 + "\t" + s1)) {
          pairs.add(new Pair(s1, s2, sa, sb, overlap(sa, sb)));
        }
      }
      out.put(split, pairs);
    }
    return out;
  }

  static void write(Map<String, List<Pair>> splits, Path dir) throws IOException {
    for (Map.Entry<String, List<Pair>> e : splits.entrySet()) {
      List<String> lines = new ArrayList<>(List.of(SampleFiles.STS_HEADER));
      int id = 0;
      for (Pair p : e.getValue()) {
        lines.add(SampleFiles.stsRow("synthetic", "scenes", "2026", String.format(Locale.ROOT, "%04d", id++), p.score(), p.sentence1(), p.sentence2()));
      }
      SampleFiles.writeLines(dir.resolve(e.getKey() + ".tsv"), lines);
    }
    SampleFiles.writeString(dir.resolve("LICENSE"), SampleFiles.resource("generated-LICENSE"));
  }

  private static int[] wording(Scene s, Random random) {
    int[] w = new int[COMPONENTS];
    for (int c = 0; c < COMPONENTS; c++) {
      w[c] = random.nextInt(CONCEPTS.get(c).get(s.get(c)).size());
    }
    return w;
  }

  private static String word(int component, int concept, int wording) {
    List<String> words = CONCEPTS.get(component).get(concept);
    return words.get(wording % words.size());
  }

  private static String article(String next) {
    return "aeiou".indexOf(next.charAt(0)) >= 0 ? "an" : "a";
  }

  private static String capitalize(String s) {
    return Character.toUpperCase(s.charAt(0)) + s.substring(1);
  }
}

#!/usr/bin/env python3
"""Second route for EpisodeSamplerTest: the episode sampler's contract (EpisodeSampler javadoc), written again
from its text in Python. Prints the episodes of the test's tiny input; the test pins this output.

    python3 modules/core/src/test/resources/fewshot/episodes_reference.py
"""
M = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & M

    def next(self):
        self.state = (self.state + GOLDEN) & M
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
        return z ^ (z >> 31)

    def below(self, n):
        # 63 bits modulo n, redrawn in the incomplete last block of 2^63
        while True:
            r = self.next() >> 1
            v = r % n
            if r - v + (n - 1) < (1 << 63):
                return v


def partial_shuffle(items, steps, random):
    for i in range(steps):
        j = i + random.below(len(items) - i)
        items[i], items[j] = items[j], items[i]


def episodes(labels, ways, shots, queries, count, seed):
    by_class = {}
    for item, label in labels.items():
        by_class.setdefault(label, []).append(item)
    eligible = {c: sorted(ids) for c, ids in sorted(by_class.items()) if len(ids) >= shots + queries}
    seeds = SplitMix64(seed)
    out = []
    for _ in range(count):
        random = SplitMix64(seeds.next())
        classes = sorted(eligible)
        partial_shuffle(classes, ways, random)
        episode = []
        for c in classes[:ways]:
            items = list(eligible[c])
            partial_shuffle(items, shots + queries, random)
            episode.append((c, items[:shots], items[shots:shots + queries]))
        out.append(episode)
    return out


if __name__ == "__main__":
    labels = {}
    for c, n in (("a", 5), ("b", 4), ("c", 6), ("d", 2)):
        for i in range(n):
            labels[c + str(i)] = c
    for e, episode in enumerate(episodes(labels, ways=2, shots=1, queries=2, count=3, seed=7)):
        print(e, " | ".join(f"{c}: {s} {q}" for c, s, q in episode))

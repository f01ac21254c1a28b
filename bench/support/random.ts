/**
 * The benches' seeded randomness: the same seed gives the same data on every machine, so a generated
 * store is reproducible (and reused while its generator's version is unchanged).
 */

/** A seeded generator of numbers in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lower-case hex strings (run ids) drawn from `random`. */
export function hexFrom(random: () => number): (length: number) => string {
  return (length) => {
    let s = '';
    for (let i = 0; i < length; i++) s += Math.floor(random() * 16).toString(16);
    return s;
  };
}

// A seedable PRNG for generated programs and inputs (scripts, benchmarks and tests share it; it
// lives in scripts/ because the container image builds scripts/ but not bench/ or test/).

/**
 * mulberry32: small, fast, seedable and the same on every platform (a generated case
 * reproduces from its seed).
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

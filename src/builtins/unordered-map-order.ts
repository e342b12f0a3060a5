// The order in which a libstdc++ `std::unordered_map<std::string, T>` hands out its keys.
// C++ Nix's fromTOML walks toml11's tables, which are such maps, and interns each key as it
// meets it: that order decides the keys' place in the symbol table (value/symbols.ts), so
// which of two failing attributes reports first when a set with those names is later forced
// deeply or compared. What follows is libstdc++'s own procedure (bits/hashtable.h and
// hashtable_policy.h, libsupc++'s hash_bytes.cc): the key's hash, its bucket, where a new
// node goes in the one list of nodes, and how a rehash relinks them. Bucket counts are those
// of its prime rehash policy with the default maximum load factor of 1, as a map that grows
// one insertion at a time reaches them (checked against g++'s map in test/builtins).

const MASK = (1n << 64n) - 1n;
const MUL = (0xc6a4a793n << 32n) + 0x5bd1e995n;
const SEED = 0xc70f6907n;

const shiftMix = (v: bigint): bigint => v ^ (v >> 47n);

/** std::hash<std::string>: libstdc++'s _Hash_bytes (a MurmurHash2 variant) over the key's bytes. */
export function stdStringHash(bytes: Uint8Array): bigint {
  const len = bytes.length;
  const aligned = len & ~7;
  let hash = (SEED ^ ((BigInt(len) * MUL) & MASK)) & MASK;
  const load = (at: number, n: number): bigint => {
    let r = 0n;
    for (let k = n - 1; k >= 0; k--) r = (r << 8n) | BigInt(bytes[at + k]);
    return r;
  };
  for (let p = 0; p < aligned; p += 8) {
    const data = (shiftMix((load(p, 8) * MUL) & MASK) * MUL) & MASK;
    hash ^= data;
    hash = (hash * MUL) & MASK;
  }
  if ((len & 7) !== 0) {
    hash ^= load(aligned, len & 7);
    hash = (hash * MUL) & MASK;
  }
  hash = (shiftMix(hash) * MUL) & MASK;
  return shiftMix(hash);
}

/** [element count that makes the map grow, bucket count it grows to], in order. */
const GROWTH: readonly [number, number][] = [
  [1, 13], [14, 29], [30, 59], [60, 127], [128, 257], [258, 541], [542, 1109], [1110, 2357], [2358, 5087],
  [5088, 10273], [10274, 20753], [20754, 42043], [42044, 85229], [85230, 172933], [172934, 351061],
  [351062, 712697], [712698, 1447153], [1447154, 2938679],
];

/** The keys (distinct, in the order inserted) in the order the map iterates them. */
export function unorderedMapOrder(keys: readonly string[], bytesOf: (key: string) => Uint8Array): string[] {
  if (keys.length > GROWTH[GROWTH.length - 1][0]) throw new Error('unorderedMapOrder: too many keys');
  const hashes = keys.map((k) => stdStringHash(bytesOf(k)));
  // The node list as `next` links (-1 ends it), `head` its first node; each bucket holds the
  // node before its first one (BEFORE_BEGIN for the list's head) or EMPTY.
  const EMPTY = -2;
  const BEFORE_BEGIN = -1;
  const next = new Int32Array(keys.length).fill(-1);
  let head = -1;
  let buckets = new Int32Array(0);
  let count = 0n;
  let growth = 0;
  const bucketOf = (node: number): number => Number(hashes[node] % count);
  const after = (before: number): number => (before === BEFORE_BEGIN ? head : next[before]);
  const link = (before: number, node: number): void => {
    if (before === BEFORE_BEGIN) head = node;
    else next[before] = node;
  };

  const rehash = (n: number): void => {
    count = BigInt(n);
    const fresh = new Int32Array(n).fill(EMPTY);
    let p = head;
    head = -1;
    let beginBucket = 0;
    while (p !== -1) {
      const following = next[p];
      const b = bucketOf(p);
      if (fresh[b] === EMPTY) {
        next[p] = head;
        head = p;
        fresh[b] = BEFORE_BEGIN;
        if (next[p] !== -1) fresh[beginBucket] = p;
        beginBucket = b;
      } else {
        const before = fresh[b];
        next[p] = after(before);
        link(before, p);
      }
      p = following;
    }
    buckets = fresh;
  };

  for (let node = 0; node < keys.length; node++) {
    if (growth < GROWTH.length && node + 1 === GROWTH[growth][0]) rehash(GROWTH[growth++][1]);
    const b = bucketOf(node);
    if (buckets[b] !== EMPTY) {
      const before = buckets[b];
      next[node] = after(before);
      link(before, node);
    } else {
      next[node] = head;
      head = node;
      if (next[node] !== -1) buckets[bucketOf(next[node])] = node;
      buckets[b] = BEFORE_BEGIN;
    }
  }
  const out: string[] = [];
  for (let p = head; p !== -1; p = next[p]) out.push(keys[p]);
  return out;
}

// What the instantiate bundle has for the global `performance` (scripts/bundle.ts injects it in
// place of the global): Node's, loaded when first used. Node loads `performance` (perf_hooks
// and eleven modules of its own) when the global is first read, which a bundled package does
// as it loads (lru-cache picks its clock with `typeof performance.now`), for about 4 ms of
// CPU in every run of the command line, though nothing in an evaluation reads the clock.

type NodePerformance = typeof globalThis.performance;

const real = (): NodePerformance => globalThis.performance;

/** Node's `now`, without loading Node's `performance` until called. */
const now = (): number => real().now();

/** Anything else is Node's own, its methods bound to it. */
export const performance: NodePerformance = new Proxy({ now } as unknown as NodePerformance, {
  get(target, key) {
    if (key === 'now') return now;
    const value: unknown = Reflect.get(real(), key);
    return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(real()) : value;
  },
  has: (_target, key) => key in real(),
});

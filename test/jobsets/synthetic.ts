// Small jobsets written on the spot, for the tests of how jobsets run (streaming, jobs, the
// Redis queue) rather than of what their lines say (fixture.ts).

/** `d name`: a derivation of that name. */
export const DRV = 'd = name: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; };';
/**
 * Runs until its time limit (10^15 steps) at a constant call depth, so it needs no more memory
 * (a tail-recursive loop would end at max-call-depth).
 */
export const SPIN = '(let l = builtins.genList (x: x) 100000; in builtins.foldl\' (a: i: builtins.foldl\' (b: j: builtins.foldl\' (c: k: c) b l) a l) 0 l)';

/** A jobset of `quick` derivations (q01…) and `slow` attributes (s01…) that run until their limit. */
export function jobset(quick: number, slow: number): string {
  const attrs: string[] = [];
  for (let i = 1; i <= quick; i++) attrs.push(`q${String(i).padStart(2, '0')} = d "q${i}";`);
  for (let i = 1; i <= slow; i++) attrs.push(`s${String(i).padStart(2, '0')} = ${SPIN};`);
  return `let ${DRV} in { ${attrs.join(' ')} }`;
}

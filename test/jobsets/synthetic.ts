// Small jobsets written on the spot, for the tests of how jobsets run (streaming, jobs, the
// Redis queue) rather than of what their lines say (fixture.ts).

/** `d name`: a derivation of that name. */
export const DRV = 'd = name: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; };';
/** Runs until its time limit; each step a tail call, so it needs no more memory. */
export const SPIN = '(let spin = n: if n < 0 then null else spin (n + 1); in spin 0)';

/** A jobset of `quick` derivations (q01…) and `slow` attributes (s01…) that run until their limit. */
export function jobset(quick: number, slow: number): string {
  const attrs: string[] = [];
  for (let i = 1; i <= quick; i++) attrs.push(`q${String(i).padStart(2, '0')} = d "q${i}";`);
  for (let i = 1; i <= slow; i++) attrs.push(`s${String(i).padStart(2, '0')} = ${SPIN};`);
  return `let ${DRV} in { ${attrs.join(' ')} }`;
}

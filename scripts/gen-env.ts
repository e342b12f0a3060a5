// Writes src/value/env.ts, the classes of environments, one per size up to FIELDS slots:
//   npm run build && node dist/scripts/gen-env.js > src/value/env.ts && npm run build
// (FIELDS is the argument, 16 if none.)

const K = Number(process.argv[2] ?? 16);
const lines: string[] = [];
const w = (s: string): void => { lines.push(s); };
const upTo = (n: number, f: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => f(i + 1));

w(`// Environments as objects of fixed fields (one class per slot count), not JS arrays.
//
// An environment holds a scope's values: \`up\` is the enclosing environment (null above a
// file's top), slots 1..n the values. Slot i (1 <= i <= ${K}) is the field \`s<i>\`; one of more
// than ${K} slots (EnvMany) keeps slots ${K + 1}.. in the array \`more\` (slot i at more[i - ${K + 1}]).
// An object of a class is one heap object with its fields in it (24 bytes and 8 a field: a
// one-slot environment takes 40 bytes where an array took two objects and 64), and each level
// of a variable's read is one load. Every scope's size is known to the compiler, so generated
// code (codegen.ts) names the fields, and each of its reads meets one class; the VM and the
// helpers, which read slots by number, go through getSlot and setSlot. Both tiers make
// environments of the same classes (newEnv, or the classes themselves in generated code), so
// a computation moves between them at any call with one layout.
//
// Written by scripts/gen-env.ts (do not edit by hand).
`);
w(`import type { Value } from './values.js';
`);
w(`/** An environment: the fields present are those of its class (see the top of this file). */`);
w(`export interface Env {`);
w(`  up: Env | null;`);
for (const f of upTo(K, (i) => `  s${i}: Value;`)) w(f);
w(`  /** Slots ${K + 1}.. of an environment of more than ${K} (EnvMany). */`);
w(`  more: Value[];`);
w(`}
`);
w(`/** The number of slots held in fields; slot i above it is \`more[i - ${K + 1}]\`. */`);
w(`export const ENV_FIELDS = ${K};
`);
w(`/** An environment of no slots (above a file's top, an empty \`let\`). */`);
w(`export class Env0 {
  declare up: Env | null;
  constructor(up: Env | null) {
    this.up = up;
  }
}
`);
for (let n = 1; n <= K; n++) {
  w(`export class Env${n} {`);
  w(`  declare up: Env | null;`);
  for (const f of upTo(n, (i) => `  declare s${i}: Value;`)) w(f);
  w(`  constructor(up: Env | null, ${upTo(n, (i) => `s${i}: Value`).join(', ')}) {`);
  w(`    this.up = up;`);
  for (const f of upTo(n, (i) => `    this.s${i} = s${i};`)) w(f);
  w(`  }`);
  w(`}
`);
}
w(`/** An environment of more than ${K} slots. */`);
w(`export class EnvMany {`);
w(`  declare up: Env | null;`);
for (const f of upTo(K, (i) => `  declare s${i}: Value;`)) w(f);
w(`  declare more: Value[];`);
w(`  constructor(up: Env | null, s1: Value, slots: number) {`);
w(`    this.up = up;`);
w(`    this.s1 = s1;`);
w(`    const u = undefined as unknown as Value;`);
for (const f of upTo(K, (i) => `    this.s${i} = u;`).slice(1)) w(f);
w(`    // A packed array (a \`new Array(n)\` is a holey one, of another kind).`);
w(`    const more: Value[] = [];`);
w(`    for (let i = ${K + 1}; i <= slots; i++) more.push(u);`);
w(`    this.more = more;`);
w(`  }`);
w(`}
`);
w(`/**
 * A new environment under \`parent\` with \`slots\` slots, the first holding \`first\` (a lambda's
 * argument; undefined for a \`let\` or \`rec\`, filled afterwards).
 */`);
w(`export function newEnv(parent: Env | null, first: Value | undefined, slots: number): Env {`);
w(`  const f = first as Value;`);
w(`  const u = undefined as unknown as Value;`);
w(`  switch (slots) {`);
w(`    case 0: return new Env0(parent) as unknown as Env;`);
for (let n = 1; n <= K; n++) w(`    case ${n}: return new Env${n}(parent, f${', u'.repeat(n - 1)}) as unknown as Env;`);
w(`    default: return new EnvMany(parent, f, slots) as unknown as Env;`);
w(`  }`);
w(`}
`);
w(`/** The environment above a file's top level (whose scope is the globals'). */`);
w(`export function rootEnv(): Env {
  return new Env0(null) as unknown as Env;
}
`);
w(`/** Slot i (from 1) of an environment that has it. */`);
w(`export function getSlot(e: Env, i: number): Value {`);
w(`  switch (i) {`);
for (const f of upTo(K, (i) => `    case ${i}: return e.s${i};`)) w(f);
w(`    default: return e.more[i - ${K + 1}];`);
w(`  }`);
w(`}
`);
w(`/** Sets slot i (from 1) of an environment that has it. */`);
w(`export function setSlot(e: Env, i: number, v: Value): void {`);
w(`  switch (i) {`);
for (const f of upTo(K, (i) => `    case ${i}: e.s${i} = v; return;`)) w(f);
w(`    default: e.more[i - ${K + 1}] = v;`);
w(`  }`);
w(`}
`);
w(`/**
 * Slots 1..n of an environment, in a new packed array of length n (a \`rec\` set's values; an
 * array grown by push would keep room for more).
 */`);
w(`export function slotValues(e: Env, n: number): Value[] {`);
w(`  switch (n) {`);
w(`    case 0: return [];`);
for (let n = 1; n <= K; n++) w(`    case ${n}: return [${upTo(n, (i) => `e.s${i}`).join(', ')}];`);
w(`    default: return [${upTo(K, (i) => `e.s${i}`).join(', ')}].concat(e.more.slice(0, n - ${K}));`);
w(`  }`);
w(`}
`);
w(`/**
 * Type feedback of every class at every slot read and written by number, given at load. The VM
 * (Op.Local, Op.SetLocal) and the helpers read slots through getSlot and setSlot, which TurboFan
 * inlines: a class first met after the VM's loop was optimised deoptimised the loop at that read
 * ("wrong map"), and real code meets the classes one by one (disko: the loop optimised 12 times,
 * 5 of them after such a deopt, 418 ms of TurboFan). Given all of them at once, each read is
 * megamorphic from the start and the loop is optimised for it once. A few runs each, since V8
 * allocates a function's feedback only after its first calls.
 */`);
w(`function primeSlotFeedback(): void {
  const u = undefined as unknown as Value;
  for (let round = 0; round < 12; round++) {
    for (let n = 1; n <= ${K + 2}; n++) {
      const e = newEnv(null, u, n);
      for (let i = 1; i <= n; i++) setSlot(e, i, getSlot(e, i));
      slotValues(e, n);
    }
  }
}
primeSlotFeedback();
`);
w(`/** The JS expression reading slot i of the environment that \`e\` (a JS expression) holds, for generated code. */
export function slotExpr(e: string, i: number): string {
  return i <= ENV_FIELDS ? \`\${e}.s\${i}\` : \`\${e}.more[\${i - (ENV_FIELDS + 1)}]\`;
}`);
process.stdout.write(lines.join('\n') + '\n');

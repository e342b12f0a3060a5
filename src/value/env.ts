// Environments as objects of fixed fields (one class per slot count), not JS arrays.
//
// An environment holds a scope's values: `up` is the enclosing environment (null above a
// file's top), slots 1..n the values. Slot i (1 <= i <= 16) is the field `s<i>`; one of more
// than 16 slots (EnvMany) keeps slots 17.. in the array `more` (slot i at more[i - 17]).
// An object of a class is one heap object with its fields in it (24 bytes and 8 a field: a
// one-slot environment takes 40 bytes where an array took two objects and 64), and each level
// of a variable's read is one load. Every scope's size is known to the compiler, so generated
// code (codegen.ts) names the fields, and each of its reads meets one class; the VM and the
// helpers, which read slots by number, go through getSlot and setSlot. Both tiers make
// environments of the same classes (newEnv, or the classes themselves in generated code), so
// a computation moves between them at any call with one layout.
//
// Written by scripts/gen-env.ts (do not edit by hand).

import type { Value } from './values.js';

/** An environment: the fields present are those of its class (see the top of this file). */
export interface Env {
  up: Env | null;
  s1: Value;
  s2: Value;
  s3: Value;
  s4: Value;
  s5: Value;
  s6: Value;
  s7: Value;
  s8: Value;
  s9: Value;
  s10: Value;
  s11: Value;
  s12: Value;
  s13: Value;
  s14: Value;
  s15: Value;
  s16: Value;
  /** Slots 17.. of an environment of more than 16 (EnvMany). */
  more: Value[];
}

/** The number of slots held in fields; slot i above it is `more[i - 17]`. */
export const ENV_FIELDS = 16;

/** An environment of no slots (above a file's top, an empty `let`). */
export class Env0 {
  declare up: Env | null;
  constructor(up: Env | null) {
    this.up = up;
  }
}

export class Env1 {
  declare up: Env | null;
  declare s1: Value;
  constructor(up: Env | null, s1: Value) {
    this.up = up;
    this.s1 = s1;
  }
}

export class Env2 {
  declare up: Env | null;
  declare s1: Value;
  declare s2: Value;
  constructor(up: Env | null, s1: Value, s2: Value) {
    this.up = up;
    this.s1 = s1;
    this.s2 = s2;
  }
}

export class Env3 {
  declare up: Env | null;
  declare s1: Value;
  declare s2: Value;
  declare s3: Value;
  constructor(up: Env | null, s1: Value, s2: Value, s3: Value) {
    this.up = up;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }
}

export class Env4 {
  declare up: Env | null;
  declare s1: Value;
  declare s2: Value;
  declare s3: Value;
  declare s4: Value;
  constructor(up: Env | null, s1: Value, s2: Value, s3: Value, s4: Value) {
    this.up = up;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    this.s4 = s4;
  }
}

export class Env5 {
  declare up: Env | null;
  declare s1: Value;
  declare s2: Value;
  declare s3: Value;
  declare s4: Value;
  declare s5: Value;
  constructor(up: Env | null, s1: Value, s2: Value, s3: Value, s4: Value, s5: Value) {
    this.up = up;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    this.s4 = s4;
    this.s5 = s5;
  }
}

export class Env6 {
  declare up: Env | null;
  declare s1: Value;
  declare s2: Value;
  declare s3: Value;
  declare s4: Value;
  declare s5: Value;
  declare s6: Value;
  constructor(up: Env | null, s1: Value, s2: Value, s3: Value, s4: Value, s5: Value, s6: Value) {
    this.up = up;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    this.s4 = s4;
    this.s5 = s5;
    this.s6 = s6;
  }
}

export class Env7 {
  declare up: Env | null;
  declare s1: Value;
  declare s2: Value;
  declare s3: Value;
  declare s4: Value;
  declare s5: Value;
  declare s6: Value;
  declare s7: Value;
  constructor(up: Env | null, s1: Value, s2: Value, s3: Value, s4: Value, s5: Value, s6: Value, s7: Value) {
    this.up = up;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    this.s4 = s4;
    this.s5 = s5;
    this.s6 = s6;
    this.s7 = s7;
  }
}

export class Env8 {
  declare up: Env | null;
  declare s1: Value;
  declare s2: Value;
  declare s3: Value;
  declare s4: Value;
  declare s5: Value;
  declare s6: Value;
  declare s7: Value;
  declare s8: Value;
  constructor(up: Env | null, s1: Value, s2: Value, s3: Value, s4: Value, s5: Value, s6: Value, s7: Value, s8: Value) {
    this.up = up;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    this.s4 = s4;
    this.s5 = s5;
    this.s6 = s6;
    this.s7 = s7;
    this.s8 = s8;
  }
}

export class Env9 {
  declare up: Env | null;
  declare s1: Value;
  declare s2: Value;
  declare s3: Value;
  declare s4: Value;
  declare s5: Value;
  declare s6: Value;
  declare s7: Value;
  declare s8: Value;
  declare s9: Value;
  constructor(up: Env | null, s1: Value, s2: Value, s3: Value, s4: Value, s5: Value, s6: Value, s7: Value, s8: Value, s9: Value) {
    this.up = up;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    this.s4 = s4;
    this.s5 = s5;
    this.s6 = s6;
    this.s7 = s7;
    this.s8 = s8;
    this.s9 = s9;
  }
}

export class Env10 {
  declare up: Env | null;
  declare s1: Value;
  declare s2: Value;
  declare s3: Value;
  declare s4: Value;
  declare s5: Value;
  declare s6: Value;
  declare s7: Value;
  declare s8: Value;
  declare s9: Value;
  declare s10: Value;
  constructor(up: Env | null, s1: Value, s2: Value, s3: Value, s4: Value, s5: Value, s6: Value, s7: Value, s8: Value, s9: Value, s10: Value) {
    this.up = up;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    this.s4 = s4;
    this.s5 = s5;
    this.s6 = s6;
    this.s7 = s7;
    this.s8 = s8;
    this.s9 = s9;
    this.s10 = s10;
  }
}

export class Env11 {
  declare up: Env | null;
  declare s1: Value;
  declare s2: Value;
  declare s3: Value;
  declare s4: Value;
  declare s5: Value;
  declare s6: Value;
  declare s7: Value;
  declare s8: Value;
  declare s9: Value;
  declare s10: Value;
  declare s11: Value;
  constructor(up: Env | null, s1: Value, s2: Value, s3: Value, s4: Value, s5: Value, s6: Value, s7: Value, s8: Value, s9: Value, s10: Value, s11: Value) {
    this.up = up;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    this.s4 = s4;
    this.s5 = s5;
    this.s6 = s6;
    this.s7 = s7;
    this.s8 = s8;
    this.s9 = s9;
    this.s10 = s10;
    this.s11 = s11;
  }
}

export class Env12 {
  declare up: Env | null;
  declare s1: Value;
  declare s2: Value;
  declare s3: Value;
  declare s4: Value;
  declare s5: Value;
  declare s6: Value;
  declare s7: Value;
  declare s8: Value;
  declare s9: Value;
  declare s10: Value;
  declare s11: Value;
  declare s12: Value;
  constructor(up: Env | null, s1: Value, s2: Value, s3: Value, s4: Value, s5: Value, s6: Value, s7: Value, s8: Value, s9: Value, s10: Value, s11: Value, s12: Value) {
    this.up = up;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    this.s4 = s4;
    this.s5 = s5;
    this.s6 = s6;
    this.s7 = s7;
    this.s8 = s8;
    this.s9 = s9;
    this.s10 = s10;
    this.s11 = s11;
    this.s12 = s12;
  }
}

export class Env13 {
  declare up: Env | null;
  declare s1: Value;
  declare s2: Value;
  declare s3: Value;
  declare s4: Value;
  declare s5: Value;
  declare s6: Value;
  declare s7: Value;
  declare s8: Value;
  declare s9: Value;
  declare s10: Value;
  declare s11: Value;
  declare s12: Value;
  declare s13: Value;
  constructor(up: Env | null, s1: Value, s2: Value, s3: Value, s4: Value, s5: Value, s6: Value, s7: Value, s8: Value, s9: Value, s10: Value, s11: Value, s12: Value, s13: Value) {
    this.up = up;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    this.s4 = s4;
    this.s5 = s5;
    this.s6 = s6;
    this.s7 = s7;
    this.s8 = s8;
    this.s9 = s9;
    this.s10 = s10;
    this.s11 = s11;
    this.s12 = s12;
    this.s13 = s13;
  }
}

export class Env14 {
  declare up: Env | null;
  declare s1: Value;
  declare s2: Value;
  declare s3: Value;
  declare s4: Value;
  declare s5: Value;
  declare s6: Value;
  declare s7: Value;
  declare s8: Value;
  declare s9: Value;
  declare s10: Value;
  declare s11: Value;
  declare s12: Value;
  declare s13: Value;
  declare s14: Value;
  constructor(up: Env | null, s1: Value, s2: Value, s3: Value, s4: Value, s5: Value, s6: Value, s7: Value, s8: Value, s9: Value, s10: Value, s11: Value, s12: Value, s13: Value, s14: Value) {
    this.up = up;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    this.s4 = s4;
    this.s5 = s5;
    this.s6 = s6;
    this.s7 = s7;
    this.s8 = s8;
    this.s9 = s9;
    this.s10 = s10;
    this.s11 = s11;
    this.s12 = s12;
    this.s13 = s13;
    this.s14 = s14;
  }
}

export class Env15 {
  declare up: Env | null;
  declare s1: Value;
  declare s2: Value;
  declare s3: Value;
  declare s4: Value;
  declare s5: Value;
  declare s6: Value;
  declare s7: Value;
  declare s8: Value;
  declare s9: Value;
  declare s10: Value;
  declare s11: Value;
  declare s12: Value;
  declare s13: Value;
  declare s14: Value;
  declare s15: Value;
  constructor(up: Env | null, s1: Value, s2: Value, s3: Value, s4: Value, s5: Value, s6: Value, s7: Value, s8: Value, s9: Value, s10: Value, s11: Value, s12: Value, s13: Value, s14: Value, s15: Value) {
    this.up = up;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    this.s4 = s4;
    this.s5 = s5;
    this.s6 = s6;
    this.s7 = s7;
    this.s8 = s8;
    this.s9 = s9;
    this.s10 = s10;
    this.s11 = s11;
    this.s12 = s12;
    this.s13 = s13;
    this.s14 = s14;
    this.s15 = s15;
  }
}

export class Env16 {
  declare up: Env | null;
  declare s1: Value;
  declare s2: Value;
  declare s3: Value;
  declare s4: Value;
  declare s5: Value;
  declare s6: Value;
  declare s7: Value;
  declare s8: Value;
  declare s9: Value;
  declare s10: Value;
  declare s11: Value;
  declare s12: Value;
  declare s13: Value;
  declare s14: Value;
  declare s15: Value;
  declare s16: Value;
  constructor(up: Env | null, s1: Value, s2: Value, s3: Value, s4: Value, s5: Value, s6: Value, s7: Value, s8: Value, s9: Value, s10: Value, s11: Value, s12: Value, s13: Value, s14: Value, s15: Value, s16: Value) {
    this.up = up;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    this.s4 = s4;
    this.s5 = s5;
    this.s6 = s6;
    this.s7 = s7;
    this.s8 = s8;
    this.s9 = s9;
    this.s10 = s10;
    this.s11 = s11;
    this.s12 = s12;
    this.s13 = s13;
    this.s14 = s14;
    this.s15 = s15;
    this.s16 = s16;
  }
}

/** An environment of more than 16 slots. */
export class EnvMany {
  declare up: Env | null;
  declare s1: Value;
  declare s2: Value;
  declare s3: Value;
  declare s4: Value;
  declare s5: Value;
  declare s6: Value;
  declare s7: Value;
  declare s8: Value;
  declare s9: Value;
  declare s10: Value;
  declare s11: Value;
  declare s12: Value;
  declare s13: Value;
  declare s14: Value;
  declare s15: Value;
  declare s16: Value;
  declare more: Value[];
  constructor(up: Env | null, s1: Value, slots: number) {
    this.up = up;
    this.s1 = s1;
    const u = undefined as unknown as Value;
    this.s2 = u;
    this.s3 = u;
    this.s4 = u;
    this.s5 = u;
    this.s6 = u;
    this.s7 = u;
    this.s8 = u;
    this.s9 = u;
    this.s10 = u;
    this.s11 = u;
    this.s12 = u;
    this.s13 = u;
    this.s14 = u;
    this.s15 = u;
    this.s16 = u;
    // A packed array (a `new Array(n)` is a holey one, of another kind).
    const more: Value[] = [];
    for (let i = 17; i <= slots; i++) more.push(u);
    this.more = more;
  }
}

/**
 * A new environment under `parent` with `slots` slots, the first holding `first` (a lambda's
 * argument; undefined for a `let` or `rec`, filled afterwards).
 */
export function newEnv(parent: Env | null, first: Value | undefined, slots: number): Env {
  const f = first as Value;
  const u = undefined as unknown as Value;
  switch (slots) {
    case 0: return new Env0(parent) as unknown as Env;
    case 1: return new Env1(parent, f) as unknown as Env;
    case 2: return new Env2(parent, f, u) as unknown as Env;
    case 3: return new Env3(parent, f, u, u) as unknown as Env;
    case 4: return new Env4(parent, f, u, u, u) as unknown as Env;
    case 5: return new Env5(parent, f, u, u, u, u) as unknown as Env;
    case 6: return new Env6(parent, f, u, u, u, u, u) as unknown as Env;
    case 7: return new Env7(parent, f, u, u, u, u, u, u) as unknown as Env;
    case 8: return new Env8(parent, f, u, u, u, u, u, u, u) as unknown as Env;
    case 9: return new Env9(parent, f, u, u, u, u, u, u, u, u) as unknown as Env;
    case 10: return new Env10(parent, f, u, u, u, u, u, u, u, u, u) as unknown as Env;
    case 11: return new Env11(parent, f, u, u, u, u, u, u, u, u, u, u) as unknown as Env;
    case 12: return new Env12(parent, f, u, u, u, u, u, u, u, u, u, u, u) as unknown as Env;
    case 13: return new Env13(parent, f, u, u, u, u, u, u, u, u, u, u, u, u) as unknown as Env;
    case 14: return new Env14(parent, f, u, u, u, u, u, u, u, u, u, u, u, u, u) as unknown as Env;
    case 15: return new Env15(parent, f, u, u, u, u, u, u, u, u, u, u, u, u, u, u) as unknown as Env;
    case 16: return new Env16(parent, f, u, u, u, u, u, u, u, u, u, u, u, u, u, u, u) as unknown as Env;
    default: return new EnvMany(parent, f, slots) as unknown as Env;
  }
}

/** The environment above a file's top level (whose scope is the globals'). */
export function rootEnv(): Env {
  return new Env0(null) as unknown as Env;
}

/** Slot i (from 1) of an environment that has it. */
export function getSlot(e: Env, i: number): Value {
  switch (i) {
    case 1: return e.s1;
    case 2: return e.s2;
    case 3: return e.s3;
    case 4: return e.s4;
    case 5: return e.s5;
    case 6: return e.s6;
    case 7: return e.s7;
    case 8: return e.s8;
    case 9: return e.s9;
    case 10: return e.s10;
    case 11: return e.s11;
    case 12: return e.s12;
    case 13: return e.s13;
    case 14: return e.s14;
    case 15: return e.s15;
    case 16: return e.s16;
    default: return e.more[i - 17];
  }
}

/** Sets slot i (from 1) of an environment that has it. */
export function setSlot(e: Env, i: number, v: Value): void {
  switch (i) {
    case 1: e.s1 = v; return;
    case 2: e.s2 = v; return;
    case 3: e.s3 = v; return;
    case 4: e.s4 = v; return;
    case 5: e.s5 = v; return;
    case 6: e.s6 = v; return;
    case 7: e.s7 = v; return;
    case 8: e.s8 = v; return;
    case 9: e.s9 = v; return;
    case 10: e.s10 = v; return;
    case 11: e.s11 = v; return;
    case 12: e.s12 = v; return;
    case 13: e.s13 = v; return;
    case 14: e.s14 = v; return;
    case 15: e.s15 = v; return;
    case 16: e.s16 = v; return;
    default: e.more[i - 17] = v;
  }
}

/**
 * Slots 1..n of an environment, in a new packed array of length n (a `rec` set's values; an
 * array grown by push would keep room for more).
 */
export function slotValues(e: Env, n: number): Value[] {
  switch (n) {
    case 0: return [];
    case 1: return [e.s1];
    case 2: return [e.s1, e.s2];
    case 3: return [e.s1, e.s2, e.s3];
    case 4: return [e.s1, e.s2, e.s3, e.s4];
    case 5: return [e.s1, e.s2, e.s3, e.s4, e.s5];
    case 6: return [e.s1, e.s2, e.s3, e.s4, e.s5, e.s6];
    case 7: return [e.s1, e.s2, e.s3, e.s4, e.s5, e.s6, e.s7];
    case 8: return [e.s1, e.s2, e.s3, e.s4, e.s5, e.s6, e.s7, e.s8];
    case 9: return [e.s1, e.s2, e.s3, e.s4, e.s5, e.s6, e.s7, e.s8, e.s9];
    case 10: return [e.s1, e.s2, e.s3, e.s4, e.s5, e.s6, e.s7, e.s8, e.s9, e.s10];
    case 11: return [e.s1, e.s2, e.s3, e.s4, e.s5, e.s6, e.s7, e.s8, e.s9, e.s10, e.s11];
    case 12: return [e.s1, e.s2, e.s3, e.s4, e.s5, e.s6, e.s7, e.s8, e.s9, e.s10, e.s11, e.s12];
    case 13: return [e.s1, e.s2, e.s3, e.s4, e.s5, e.s6, e.s7, e.s8, e.s9, e.s10, e.s11, e.s12, e.s13];
    case 14: return [e.s1, e.s2, e.s3, e.s4, e.s5, e.s6, e.s7, e.s8, e.s9, e.s10, e.s11, e.s12, e.s13, e.s14];
    case 15: return [e.s1, e.s2, e.s3, e.s4, e.s5, e.s6, e.s7, e.s8, e.s9, e.s10, e.s11, e.s12, e.s13, e.s14, e.s15];
    case 16: return [e.s1, e.s2, e.s3, e.s4, e.s5, e.s6, e.s7, e.s8, e.s9, e.s10, e.s11, e.s12, e.s13, e.s14, e.s15, e.s16];
    default: return [e.s1, e.s2, e.s3, e.s4, e.s5, e.s6, e.s7, e.s8, e.s9, e.s10, e.s11, e.s12, e.s13, e.s14, e.s15, e.s16].concat(e.more.slice(0, n - 16));
  }
}

/**
 * Type feedback of every class at every slot read and written by number, given at load. The VM
 * (Op.Local, Op.SetLocal) and the helpers read slots through getSlot and setSlot, which TurboFan
 * inlines: a class first met after the VM's loop was optimised deoptimised the loop at that read
 * ("wrong map"), and real code meets the classes one by one (disko: the loop optimised 12 times,
 * 5 of them after such a deopt, 418 ms of TurboFan). Given all of them at once, each read is
 * megamorphic from the start and the loop is optimised for it once. A few runs each, since V8
 * allocates a function's feedback only after its first calls.
 */
function primeSlotFeedback(): void {
  const u = undefined as unknown as Value;
  for (let round = 0; round < 12; round++) {
    for (let n = 1; n <= 18; n++) {
      const e = newEnv(null, u, n);
      for (let i = 1; i <= n; i++) setSlot(e, i, getSlot(e, i));
      slotValues(e, n);
    }
  }
}
primeSlotFeedback();

/** The JS expression reading slot i of the environment that `e` (a JS expression) holds, for generated code. */
export function slotExpr(e: string, i: number): string {
  return i <= ENV_FIELDS ? `${e}.s${i}` : `${e}.more[${i - (ENV_FIELDS + 1)}]`;
}

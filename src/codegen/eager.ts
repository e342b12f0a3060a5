// Cheap eagerness in the compiled tier: where a chunk makes a thunk whose code only reads
// variables that are already values and combines them in ways that cannot fail (integer
// arithmetic in range, comparisons of numbers, Booleans, selects of attributes present and
// evaluated), the generated code computes the value at once and keeps it in an unforced
// thunk (Thunk.unforced), as it keeps literals built at once: the same value the thunk would
// give, shown unevaluated (<CODE>) until something forces it, as C++ Nix shows its thunk.
// Anything else (a variable not evaluated yet, another type, a missing attribute, an integer
// overflow, a division by zero) abandons the attempt, and the thunk is made as before: so no
// evaluation, error, trace or infinite recursion happens earlier or elsewhere than it would.
//
// Saves the thunk's environment (kept alive by it until forced), and the call of its code when
// it is forced: `n - 1` as an argument, `a + 1` in a `let`, `x.depth` of a set already built.

import { type Chunk, Op, OPERANDS } from '../compiler/chunk.js';

/** The largest thunk's code (in code words) tried eagerly: larger ones are rarely this simple. */
const MAX_CODE = 48;
/** The deepest operand stack of such code. */
const MAX_HEIGHT = 4;

/** What the eager code of one thunk needs from its translator. */
export interface EagerContext {
  /** A variable of the environment the thunk would keep (`depth` levels up, slot `slot`). */
  local(depth: number, slot: number): string;
  /** The index of a name in a set, through an inline cache of the site `key` (see codegen.ts). */
  index(set: string, name: string, key: string): string;
  /** The translated chunk's constant holding the thunk's chunk (`k12`). */
  chunk: string;
  /** A key unique among the translated chunk's eager sites (for labels and caches). */
  site: number;
}

/**
 * Whether a thunk's code can be tried eagerly: straight-line code of the instructions below,
 * ending with its return. The statistics build counts what each instruction does as it runs,
 * so it never runs such code early.
 */
export function eagerCandidate(chunk: Chunk, countsStats: boolean): boolean {
  // (The caller also leaves alone every thunk of a chunk that replaces bindings with a rec
  // set's `__overrides`: its thunks read them after that.)
  const c = chunk.code;
  if (countsStats || chunk.lambda !== null || c.length > MAX_CODE || c.length < 2) return false;
  let h = 0;
  for (let at = 0; at < c.length;) {
    const op = c[at] as Op;
    switch (op) {
      case Op.Const: case Op.Local: h++; break;
      case Op.Global: {
        const name = chunk.consts[c[at + 1]];
        if (name !== 'true' && name !== 'false' && name !== 'null') return false;
        h++;
        break;
      }
      case Op.Force: case Op.ClearSelected: case Op.Select: case Op.Not: case Op.AddPrepare: break;
      case Op.ConcatPart: if (c[at + 1] > 0) h--; break;
      case Op.CheckAttrName: break;
      case Op.SelectDyn: h--; break;
      case Op.Sub: case Op.Mul: case Op.Div: case Op.Less: case Op.Add: case Op.Eq: case Op.Neq: h--; break;
      case Op.Return: return at + 1 === c.length && h === 1;
      default: return false;
    }
    if (h > MAX_HEIGHT || h < 1) return false;
    at += 1 + OPERANDS[op];
  }
  return false;
}

/** The longest string joined at once (longer ones are left to the thunk and its accounting). */
const MAX_STRING = 4096;

/**
 * Whether strings `x` and `y` are joined at once: both without context, the result short, and
 * the bytes `paying` within the memory budget left since the heap was last measured.
 */
function joinable(x: string, y: string, paying: string): string {
  return `typeof ${x} === 'string' && typeof ${y} === 'string' && ${x}.length + ${y}.length <= ${MAX_STRING} && reserveWithin(${paying})`;
}

/** Operators C++ Nix evaluates as calls of builtins (`__sub`, `__mul`, `__div`, `__lessThan`). */
const CALLS_IN_CPP = new Set<Op>([Op.Sub, Op.Mul, Op.Div, Op.Less]);

/** The key of an eager candidate's code for translationKey: the code and the globals it inlines. */
export function eagerKey(chunk: Chunk): string {
  const c = chunk.code;
  let key = c.join(',');
  for (let at = 0; at < c.length; at += 1 + OPERANDS[c[at] as Op]) {
    if (c[at] === Op.Global) key += `:${chunk.consts[c[at + 1]] as string}`;
  }
  return key;
}

/**
 * JS statements that compute an eager candidate's value into `t`, or leave `t` undefined
 * where the thunk must be made after all. The operand stack is block-scoped locals e0, e1, ...;
 * constants are read from the thunk's chunk's table (no user text in the source).
 */
export function eagerCode(chunk: Chunk, cx: EagerContext): string {
  const c = chunk.code;
  const label = `E${cx.site}`;
  const e = (i: number): string => `e${i}`;
  const out: string[] = [`t = undefined; ${label}: {`, `let ${Array.from({ length: MAX_HEIGHT }, (_, i) => e(i)).join(', ')};`];
  const bail = `break ${label};`;
  out.push(`if (stack.overriding !== 0) ${bail}`);
  // Arithmetic that C++ Nix makes a call of (counted against max-call-depth where it is forced).
  let callsInCpp = false;
  for (let at = 0; at < c.length; at += 1 + OPERANDS[c[at] as Op]) if (CALLS_IN_CPP.has(c[at] as Op)) callsInCpp = true;
  if (callsInCpp) out.push(`if (!stack.eagerArithmetic) ${bail}`);
  let h = 0;
  for (let at = 0; at < c.length; at += 1 + OPERANDS[c[at] as Op]) {
    const a = c[at + 1];
    const b = c[at + 2];
    const top = e(h - 1);
    const x = e(h - 2);
    const numbers = `typeof ${x} === 'number' && typeof ${top} === 'number'`;
    switch (c[at] as Op) {
      case Op.Const: out.push(`${e(h++)} = ${cx.chunk}.consts[${a}];`); break;
      case Op.Local: out.push(`${e(h++)} = ${cx.local(a, b)};`); break;
      case Op.Global: out.push(`${e(h++)} = ${chunk.consts[a] as string};`); break;
      // A thunk not evaluated yet (an unforced one included: forcing it is observable).
      case Op.Force: out.push(`if (${top} instanceof Thunk) { if (${top}.code !== null) ${bail} ${top} = ${top}.value; }`); break;
      case Op.ClearSelected: break;
      case Op.Select:
        out.push(`if (!(${top} instanceof NixAttrs) || (i = ${cx.index(top, `${cx.chunk}.consts[${a}]`, `${cx.site}_${at}`)}) < 0) ${bail} ${top} = ${top}.values[i];`);
        break;
      // `x.${n}`: a name that is a string without context, found in the set (C++ Nix's symbol
      // for it is the set's key, made already: nothing to intern).
      case Op.CheckAttrName: out.push(`if (typeof ${top} !== 'string') ${bail}`); break;
      case Op.SelectDyn:
        out.push(`if (!(${x} instanceof NixAttrs) || (i = ${x}.shape.indexOf(${top})) < 0) ${bail} ${x} = ${x}.values[i];`);
        h--;
        break;
      case Op.Not: out.push(`if (typeof ${top} !== 'boolean') ${bail} ${top} = !${top};`); break;
      // Integers, or strings without context (paths, floats and coercions are left to the thunk).
      case Op.AddPrepare: out.push(`if (typeof ${top} !== 'number' && typeof ${top} !== 'string') ${bail}`); break;
      case Op.Add:
        out.push(`if (${numbers}) { if (!Number.isSafeInteger(${x} += ${top})) ${bail} } else if (${joinable(x, top, `${x}.length + ${top}.length`)}) ${x} += ${top}; else ${bail}`);
        h--;
        break;
      // A part of an interpolation: strings without context only.
      case Op.ConcatPart:
        if (a === 0) out.push(`if (typeof ${top} !== 'string' || ${top}.length > ${MAX_STRING} || !reserveWithin(${top}.length)) ${bail}`);
        else {
          out.push(`if (${joinable(x, top, `${top}.length`)}) ${x} += ${top}; else ${bail}`);
          h--;
        }
        break;
      case Op.Sub: out.push(`if (${numbers} && Number.isSafeInteger(${x} -= ${top})) {} else ${bail}`); h--; break;
      case Op.Mul: out.push(`if (${numbers} && Number.isSafeInteger(${x} *= ${top})) { if (${x} === 0) ${x} = 0; } else ${bail}`); h--; break;
      // As the VM's inline division: integers while float division truncates exactly.
      case Op.Div: out.push(`if (${numbers} && ${top} !== 0 && ${x} < 2147483648 && ${x} > -2147483648) ${x} = (${x} / ${top}) | 0; else ${bail}`); h--; break;
      case Op.Less: out.push(`if (${numbers}) ${x} = ${x} < ${top}; else ${bail}`); h--; break;
      case Op.Eq:
      case Op.Neq:
        // Values whose equality is identity: integers, Booleans, null, strings without context.
        out.push(`if ((${numbers}) || (typeof ${x} === 'boolean' && typeof ${top} === 'boolean') || (typeof ${x} === 'string' && typeof ${top} === 'string') || (${x} === null && ${top} === null)) ${x} = ${c[at] === Op.Eq ? '' : '!'}(${x} === ${top}); else ${bail}`);
        h--;
        break;
      case Op.Return:
        // A variable not filled yet (a `let` or `rec` binding made later) reads as undefined,
        // which leaves `t` undefined: the thunk is made. So is it for a value that is a thunk.
        out.push(`if (${top} instanceof Thunk) ${bail} t = ${top};`);
        break;
    }
  }
  out.push('}');
  return out.join('\n');
}

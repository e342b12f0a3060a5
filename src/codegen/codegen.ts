// The compiled tier: each chunk of bytecode, once it has run a few times, is translated to a
// JS function (generated source through `new Function`), kept with the chunk, so the compile
// cache hands it to every later evaluation in the worker. Running that function instead of
// interpreting the chunk removes the dispatch and the value stack: forcing a thunk and
// calling a function become direct JS calls. crossing.ts says how a computation moves
// between this tier and the frame-stack VM, which stays the guarantee that no Nix program
// overflows the JS stack; runtime.ts holds what generated code calls.
//
// Why from the bytecode and not from the AST: the compiler (src/compiler/) is the one source
// of the language's semantics (scope resolution, what is lazy, error regions, positions), and
// both tiers run its output, so every fix there holds for both. The bytecode is structured:
// jumps go forward only and the stack depth at each instruction is known statically, so
// stack slots become JS locals (s0, s1, ...) and jumps become `break`s out of labelled
// blocks. Each instruction becomes the few statements the VM's case for it performs, with
// the VM's helpers where it has them.
//
// Errors and traces are built on the error path only: generated code keeps `ip`, the index of
// the instruction running (set before anything that can fail), and its catch adds the trace
// lines of the error regions around it, as the VM does for a frame.
//
// Generated code never contains user text: constants (strings, attribute names, numbers,
// positions) are read from the chunk's constant table, which the function receives; the
// source holds only opcodes' translations, slot numbers and code indices.

import { type Chunk, type CompiledCode, type ConcatLayout, type FormalsInfo, Op, OPERANDS } from '../compiler/chunk.js';
import { type AttrShape } from '../value/values.js';
import { ENV_FIELDS, slotExpr } from '../value/env.js';
import type { Helpers } from './runtime.js';
import { BYTES_PER_UNIT } from './crossing.js';
import { Counter, STATS_ON } from '../value/stats.js';
import { eagerCandidate, eagerCode, eagerKey } from './eager.js';

interface Instr {
  at: number;
  op: Op;
  args: number[];
  /** Stack height before the instruction; -1 if no path reaches it. */
  height: number;
}

/** The chunk cannot be translated (it then runs in the VM). */
class Untranslatable extends Error {}

/** Decodes the chunk and computes the stack height before each instruction. */
function analyse(chunk: Chunk): { instrs: Instr[]; targets: Map<number, number[]>; maxHeight: number } {
  const code = chunk.code;
  const instrs: Instr[] = [];
  const byAt = new Map<number, Instr>();
  for (let at = 0; at < code.length;) {
    const op = code[at] as Op;
    const n = OPERANDS[op];
    if (n === undefined) throw new Untranslatable(`unknown opcode ${op}`);
    const instr = { at, op, args: code.slice(at + 1, at + 1 + n), height: -1 };
    instrs.push(instr);
    byAt.set(at, instr);
    at += 1 + n;
  }
  /** Jump sources by target. */
  const targets = new Map<number, number[]>();
  const heightAt = new Map<number, number>();
  const reach = (target: number, height: number, from: number): void => {
    const known = heightAt.get(target);
    if (known !== undefined && known !== height) throw new Untranslatable('stack heights differ at a jump target');
    if (target <= from) throw new Untranslatable('backward jump');
    heightAt.set(target, height);
    let sources = targets.get(target);
    if (!sources) targets.set(target, sources = []);
    sources.push(from);
  };
  let maxHeight = 0;
  let h = 0;
  for (const instr of instrs) {
    const joined = heightAt.get(instr.at);
    if (h < 0) h = joined ?? -1;
    else if (joined !== undefined && joined !== h) throw new Untranslatable('stack heights differ at a jump target');
    instr.height = h;
    if (h < 0) continue;
    const [a, b] = instr.args;
    const at = instr.at;
    switch (instr.op) {
      case Op.Const: case Op.Local: case Op.Global: case Op.WithVar: case Op.Thunk: case Op.Closure:
      case Op.AttrsFromEnv: case Op.CurPos:
        h += 1; break;
      case Op.Force: case Op.AssertBool: case Op.Not: case Op.PushEnv: case Op.PopEnv: case Op.RecOverrides:
      case Op.ClearSelected: case Op.Select: case Op.HasAttr: case Op.CheckAttrName: case Op.AddPrepare:
      case Op.AssertAttrs: case Op.Unforced: case Op.Count:
        break;
      case Op.Call: h -= a; break;
      case Op.TailCall: case Op.Return: case Op.AssertFail: h = -1; break;
      case Op.Pop: case Op.SetLocal: case Op.SelectDyn: case Op.HasAttrDyn: case Op.Eq: case Op.Neq: case Op.Add:
      case Op.Sub: case Op.Mul: case Op.Div: case Op.Less: case Op.Concat: case Op.Formals:
      case Op.AssertEq:
        h -= 1; break;
      case Op.Jump: reach(a, h, at); h = -1; break;
      case Op.JumpIfFalse: case Op.JumpIfTrue: h -= 1; reach(a, h, at); break;
      case Op.Attrs: h += 1 - (chunk.consts[a] as AttrShape).names.length; break;
      case Op.DynAttr: h -= 2; break;
      case Op.SelectOr: reach(b, h - 1, at); break;
      case Op.SelectDynOr: reach(a, h - 2, at); h -= 1; break;
      case Op.HasAttrStep: reach(b, h, at); break;
      case Op.HasAttrStepDyn: h -= 1; reach(a, h, at); break;
      case Op.List: h += 1 - a; break;
      case Op.Update: h += 1 - a; break;
      // The first part becomes the concatenation; each next one is added to it.
      case Op.ConcatPart: if (a > 0) h -= 1; break;
      default: throw new Untranslatable(`unknown opcode ${instr.op}`);
    }
    if (h > maxHeight) maxHeight = h;
    if (h < -1) throw new Untranslatable('stack underflow');
  }
  for (const t of targets.keys()) if (!byAt.has(t)) throw new Untranslatable('jump into an instruction');
  return { instrs, targets, maxHeight };
}

/**
 * Labelled blocks for the jumps: a jump to T is `break LT` from inside a block that ends at T.
 * Each block starts at its first jump source and is widened until blocks nest.
 */
function blocks(targets: Map<number, number[]>): { start: number; end: number }[] {
  const bs = [...targets].map(([end, sources]) => ({ start: Math.min(...sources), end }));
  for (let changed = true; changed;) {
    changed = false;
    for (const a of bs) {
      for (const b of bs) {
        // b starts inside a and ends after it: widen b to start where a does.
        if (a.start < b.start && b.start < a.end && a.end < b.end) { b.start = a.start; changed = true; }
      }
    }
  }
  return bs;
}

const s = (i: number): string => `s${i}`;

/**
 * The body of the factory `(K, R, C) => function (env) {...}` for a chunk, or
 * `function (up, arg) {...}` for an envless lambda's (see `envless`): its hot version.
 */
export function translate(chunk: Chunk): string {
  return generate(chunk, null).source;
}

/**
 * The name of a chunk's first, cold JS function (see `instantiate`): the command line tells V8
 * not to optimise functions of this name (src/cli/load-entry.cts), so only a chunk's hot
 * version, made once it has run often, costs TurboFan's work.
 */
export const COLD_FUNCTION_NAME = 'coldCompiled';

/** What uses the environment as a value (keeps it, extends it, writes it), not only reads slots of it. */
const USES_ENV = new Set<Op>([Op.WithVar, Op.Thunk, Op.Closure, Op.PushEnv, Op.PopEnv, Op.SetLocal, Op.AttrsFromEnv, Op.RecOverrides, Op.Formals]);

/**
 * Whether a lambda's body only reads variables, so its call needs no environment: no thunk
 * or closure keeps it, no `let`, `with` or formals extend or fill it. Its function then takes
 * the closure's environment and the argument (`up`, `arg`) and the call allocates nothing
 * for them (about a fifth of the calls of nixpkgs lib's module system, a third of lib.fix's).
 */
function envless(chunk: Chunk, instrs: Instr[]): boolean {
  return chunk.lambda !== null
    && instrs.every((i) => i.height < 0 || (!USES_ENV.has(i.op) && !(i.op === Op.Local && i.args[0] === 0 && i.args[1] !== 1)));
}

/**
 * `promoteAt`: for a cold version, the run count (`chunk.runs`) at which it asks for its hot
 * version (null: the hot version, which counts nothing).
 */
function generate(chunk: Chunk, promoteAt: number | null): { source: string; locals: number; envless: boolean } {
  const { instrs, targets, maxHeight } = analyse(chunk);
  const noEnv = envless(chunk, instrs);
  const consts = chunk.consts;
  const usedConsts = new Set<number>();
  const usedPositions = new Set<number>();
  const k = (i: number): string => { usedConsts.add(i); return `k${i}`; };
  const p = (at: number): string => { usedPositions.add(at); return `p${at}`; };
  // An inline cache at a select of a constant name: the shape met last and the name's index in it.
  const caches: (number | string)[] = [];
  const index = (set: string, name: string, at: number | string): string => {
    caches.push(at);
    return `(${set}.shape === sh${at} ? ix${at} : (sh${at} = ${set}.shape, ix${at} = sh${at}.indexOf(${name})))`;
  };
  const trackSelected = chunk.regions.some((r) => r.select);
  // A rec set's `__overrides` replaces bindings its thunks, made before, read when forced.
  const overrides = instrs.some((i) => i.op === Op.RecOverrides);
  let formals = false;
  const opens = new Map<number, { start: number; end: number }[]>();
  for (const b of blocks(targets)) {
    let list = opens.get(b.start);
    if (!list) opens.set(b.start, list = []);
    list.push(b);
  }
  const out: string[] = [];
  // The count is the factory's argument P, not a literal: chunks that differ only in it share a source.
  if (promoteAt !== null) out.push('if (++C.runs === P) promote(C);');
  for (const instr of instrs) {
    const at = instr.at;
    // Blocks ending here close (one per target), then blocks starting here open, outermost first.
    if (targets.has(at)) out.push(`}`);
    const starting = opens.get(at);
    if (starting) for (const b of starting.sort((x, y) => y.end - x.end)) out.push(`L${b.end}: {`);
    const h = instr.height;
    if (h < 0) continue;
    const [a, b] = instr.args;
    const top = s(h - 1);
    const setIp = `ip = ${at};`;
    switch (instr.op) {
      case Op.Const: out.push(`${s(h)} = ${k(a)};`); break;
      case Op.Local:
        if (!noEnv) out.push(`${s(h)} = ${slotExpr(`env${'.up'.repeat(a)}`, b)};`);
        // Slot 1 of the lambda's own environment is its argument (formals, which fill the others, use the environment).
        else if (a === 0) out.push(`${s(h)} = arg;`);
        else out.push(`${s(h)} = ${slotExpr(`up${'.up'.repeat(a - 1)}`, b)};`);
        break;
      case Op.Global: {
        // true, false and null are the same constants in every evaluation.
        const name = consts[a];
        out.push(`${s(h)} = ${name === 'true' ? 'true' : name === 'false' ? 'false' : name === 'null' ? 'null' : `global(${k(a)})`};`);
        break;
      }
      case Op.WithVar: out.push(`${setIp} ${s(h)} = withVar(env, ${k(a)});`); break;
      case Op.Force:
        out.push(`if (${top} instanceof Thunk) ${top} = ${top}.code === null ? ${top}.value : (${setIp.slice(0, -1)}, forceThunk(${top}, ${p(at)}));`);
        break;
      case Op.Thunk: {
        const sub = consts[a] as Chunk;
        if (overrides || !eagerCandidate(sub, STATS_ON)) {
          out.push(`${s(h)} = new Thunk(${k(a)}, env);`);
          break;
        }
        // The value at once where it is there to take, else the thunk (eager.ts).
        out.push(eagerCode(sub, { local: (depth, slot) => slotExpr(`env${'.up'.repeat(depth)}`, slot), index, chunk: k(a), site: at }));
        out.push(`${s(h)} = t !== undefined ? Thunk.unforced(t) : new Thunk(${k(a)}, env);`);
        break;
      }
      case Op.Closure: out.push(`${s(h)} = new Closure(${k(a)}, env);`); break;
      case Op.Call:
        out.push(a === 1
          ? `${setIp} ${s(h - 2)} = call1(${s(h - 2)}, ${top}, ${p(at)});`
          : a === 2
            ? `${setIp} ${s(h - 3)} = call2(${s(h - 3)}, ${s(h - 2)}, ${top}, ${p(at)});`
            : `${setIp} ${s(h - a - 1)} = callValue(${s(h - a - 1)}, [${range(h - a, h).join(', ')}], ${p(at)});`);
        break;
      case Op.TailCall:
        out.push(a === 1
          ? `${setIp} return tail1(${s(h - 2)}, ${top}, ${p(at)});`
          : a === 2
            ? `${setIp} return call2(${s(h - 3)}, ${s(h - 2)}, ${top}, ${p(at)});`
            : `${setIp} return callValue(${s(h - a - 1)}, [${range(h - a, h).join(', ')}], ${p(at)});`);
        break;
      case Op.Return: out.push(`return ${top};`); break;
      case Op.Pop: break;
      case Op.Jump: out.push(`break L${a};`); break;
      case Op.JumpIfFalse:
      case Op.JumpIfTrue:
        out.push(`if (typeof ${top} !== 'boolean') { ${setIp} throw typeErrorAt('a Boolean', ${top}, C, ${at}); }`);
        out.push(`if (${instr.op === Op.JumpIfFalse ? '!' : ''}${top}) break L${a};`);
        break;
      case Op.AssertBool:
        out.push(`if (typeof ${top} !== 'boolean') { ${setIp} throw typeErrorAt('a Boolean', ${top}, C, ${at}); }`);
        break;
      case Op.Not:
        out.push(`if (typeof ${top} !== 'boolean') { ${setIp} throw typeErrorAt('a Boolean', ${top}, C, ${at}); }`);
        out.push(`${top} = !${top};`);
        break;
      // The class of the environment's size, as newEnv makes it (env.ts).
      case Op.PushEnv: out.push(a <= ENV_FIELDS ? `env = new Env${a}(env${', undefined'.repeat(a)});` : `env = newEnv(env, undefined, ${a});`); break;
      case Op.PopEnv: out.push(`env = env.up;`); break;
      case Op.SetLocal: out.push(`${slotExpr('env', a)} = ${top};`); break;
      case Op.Attrs: {
        const n = (consts[a] as AttrShape).names.length;
        out.push(`${s(h - n)} = ${n === 0 ? 'NixAttrs.EMPTY' : `new NixAttrs(${k(a)}, [${range(h - n, h).join(', ')}])`};`);
        break;
      }
      case Op.AttrsFromEnv: {
        const n = (consts[a] as AttrShape).names.length;
        out.push(n <= ENV_FIELDS ? `${s(h)} = new NixAttrs(${k(a)}, [${Array.from({ length: n }, (_, i) => `env.s${i + 1}`).join(', ')}]);` : `${s(h)} = attrsFromEnv(${k(a)}, env);`);
        break;
      }
      case Op.RecOverrides: out.push(`${setIp} ${top} = recOverrides(${top}, env, ${k(a)});`); break;
      case Op.DynAttr: out.push(`${setIp} ${s(h - 3)} = addDynamicAttr(${s(h - 3)}, ${s(h - 2)}, ${top}, C, ${at});`); break;
      case Op.ClearSelected: if (trackSelected) out.push(`ss = null; sd = null;`); break;
      case Op.Select:
      case Op.SelectDyn: {
        const dyn = instr.op === Op.SelectDyn;
        const set = dyn ? s(h - 2) : top;
        const name = dyn ? 'n' : k(a);
        if (dyn) out.push(`${setIp} n = attrName(${top});${trackSelected ? ' sd = sd === null ? n : [].concat(sd, n);' : ''}`);
        out.push(`if (!(${set} instanceof NixAttrs)) { ${setIp} throw selectTypeError(${set}, C, ${at}); }`);
        out.push(`i = ${dyn ? `${set}.shape.indexOf(n)` : index(set, name, at)}; if (i < 0) { ${setIp} throw missingAttr(${name}, ${set}); }`);
        if (trackSelected) out.push(`ss = ${set}; sn = ${name};`);
        out.push(`${set} = ${set}.values[i];`);
        break;
      }
      case Op.SelectOr:
      case Op.SelectDynOr: {
        const dyn = instr.op === Op.SelectDynOr;
        const set = dyn ? s(h - 2) : top;
        const name = dyn ? 'n' : k(a);
        const target = dyn ? a : b;
        if (dyn) out.push(`${setIp} n = attrName(${top});${trackSelected ? ' sd = sd === null ? n : [].concat(sd, n);' : ''}`);
        out.push(`if (!(${set} instanceof NixAttrs) || (i = ${dyn ? `${set}.shape.indexOf(n)` : index(set, name, at)}) < 0) ${dyn ? `{ missedName(n); break L${target}; }` : `break L${target};`}`);
        if (trackSelected) out.push(`ss = ${set}; sn = ${name};`);
        out.push(`${set} = ${set}.values[i];`);
        break;
      }
      case Op.HasAttr: out.push(`${top} = ${top} instanceof NixAttrs && ${index(top, k(a), at)} >= 0;`); break;
      case Op.HasAttrDyn: out.push(`${setIp} n = attrName(${top}); ${s(h - 2)} = (${s(h - 2)} instanceof NixAttrs && ${s(h - 2)}.has(n)) || missedName(n);`); break;
      case Op.HasAttrStep:
      case Op.HasAttrStepDyn: {
        const dyn = instr.op === Op.HasAttrStepDyn;
        const set = dyn ? s(h - 2) : top;
        if (dyn) out.push(`${setIp} n = attrName(${top});`);
        out.push(`if (!(${set} instanceof NixAttrs) || (i = ${dyn ? `${set}.shape.indexOf(n)` : index(set, k(a), at)}) < 0) { ${set} = ${dyn ? 'missedName(n)' : 'false'}; break L${dyn ? a : b}; }`);
        out.push(`${set} = ${set}.values[i];`);
        break;
      }
      case Op.List: out.push(`${s(h - a)} = [${range(h - a, h).join(', ')}];`); break;
      case Op.Eq: out.push(`${setIp} ${s(h - 2)} = equal(${s(h - 2)}, ${top}, ${p(at)});`); break;
      case Op.Neq: out.push(`${setIp} ${s(h - 2)} = !equal(${s(h - 2)}, ${top}, ${p(at)});`); break;
      case Op.AddPrepare: out.push(`if (!addsAsIs(${top})) { ${setIp} ${top} = addPrepare(${top}, ${k(a)}); }`); break;
      case Op.Add: {
        const x = s(h - 2);
        out.push(`if (typeof ${x} === 'number' && typeof ${top} === 'number' && Number.isSafeInteger(t = ${x} + ${top})) ${x} = t;`);
        out.push(`else { ${setIp} ${x} = add(${x}, ${top}, ${k(a)}); }`);
        break;
      }
      case Op.ConcatPart: {
        // An interpolation's text is a plain string on the stack while every part is one
        // (stringPart); the first other part makes it a Concatenation (concatPart).
        const layout = consts[b] as ConcatLayout;
        const last = a === layout.positions.length - 1;
        if (a === 0) {
          out.push(layout.forceString
            ? `${setIp} ${top} = typeof ${top} === 'string' ? stringPart('', ${top}, ${last}) : concatPart(null, ${top}, 0, ${k(b)});`
            : `${setIp} ${top} = concatPart(null, ${top}, 0, ${k(b)});`);
        } else {
          const x = s(h - 2);
          out.push(layout.forceString
            ? `${setIp} ${x} = typeof ${x} === 'string' && typeof ${top} === 'string' ? stringPart(${x}, ${top}, ${last}) : concatPart(${x}, ${top}, ${a}, ${k(b)});`
            : `${setIp} ${x} = concatPart(${x}, ${top}, ${a}, ${k(b)});`);
        }
        break;
      }
      case Op.Sub:
      case Op.Mul:
      case Op.Less:
      case Op.Div: {
        const x = s(h - 2);
        const builtin = { [Op.Sub]: '__sub', [Op.Mul]: '__mul', [Op.Less]: '__lessThan', [Op.Div]: '__div' }[instr.op];
        const slow = `{ ${setIp} ${x} = arith('${builtin}', ${x}, ${top}, ${p(at)}); }`;
        const numbers = `typeof ${x} === 'number' && typeof ${top} === 'number'`;
        // With NIX_SHOW_STATS the inline case counts the builtin call C++ Nix makes (the builtin counts itself).
        const counted = STATS_ON ? ` counts[${Counter.PrimOpCalls}] += 1;` : '';
        if (instr.op === Op.Sub) out.push(`if (${numbers} && Number.isSafeInteger(t = ${x} - ${top})) { ${x} = t;${counted} } else ${slow}`);
        else if (instr.op === Op.Mul) out.push(`if (${numbers} && Number.isSafeInteger(t = ${x} * ${top})) { ${x} = t === 0 ? 0 : t;${counted} } else ${slow}`);
        else if (instr.op === Op.Less) out.push(`if (${numbers}) { ${x} = ${x} < ${top};${counted} } else ${slow}`);
        // Integers (a number is one) while the dividend is small enough for float division to
        // truncate exactly, as divInt does; a zero divisor goes to the builtin for its error.
        else out.push(`if (${numbers} && ${top} !== 0 && ${x} < 2147483648 && ${x} > -2147483648) { ${x} = (${x} / ${top}) | 0;${counted} } else ${slow}`);
        break;
      }
      case Op.Concat: out.push(`${setIp} ${s(h - 2)} = concatLists(${s(h - 2)}, ${top}, ${p(at)});`); break;
      case Op.AssertAttrs: out.push(`if (!(${top} instanceof NixAttrs)) { ${setIp} throw typeError('a set', ${top}, undefined); }`); break;
      case Op.Update: {
        // The leftmost operand is on top; each one to its right overrides it. A longer chain
        // makes one set (ops.updateChain).
        if (a === 2) out.push(`${s(h - 2)} = update(${top}, ${s(h - 2)});`);
        else if (a === 3) out.push(`${s(h - 3)} = update3(${top}, ${s(h - 2)}, ${s(h - 3)});`);
        else out.push(`${s(h - a)} = updateChain([${range(h - a, h).reverse().join(', ')}]);`);
        break;
      }
      case Op.Formals: {
        if (chunk.lambda === null) throw new Untranslatable('formals outside a lambda');
        // bindFormals's fast path inline (an argument of the shape last bound without an
        // error), each formal's store naming its field: one class at each (bindFormals's
        // stores meet every size of environment).
        const entries = (consts[a] as FormalsInfo).entries;
        const f = k(a);
        const stores = entries.map((e, j) => `${slotExpr('env', e.slot)} = (i = ix[${j}]) >= 0 ? vs[i] : formalDefault(${f}.entries[${j}], env);`);
        out.push(`if (${top} instanceof NixAttrs && ${top}.shape === ${f}.boundShape) { ix = ${f}.boundIndexes; vs = ${top}.values; ${stores.join(' ')} }`);
        out.push(`else { ${setIp} bindFormals(${f}, ${top}, env, C.lambda, C, ${at}); }`);
        formals = true;
        break;
      }
      case Op.AssertFail: out.push(`${setIp} throw assertFailed(${k(a)}, ${p(at)});`); break;
      case Op.AssertEq: out.push(`${setIp} ${s(h - 2)} = assertEqual(${s(h - 2)}, ${top}, ${p(at)});`); break;
      case Op.CheckAttrName:
        out.push(`if (typeof ${top} !== 'string') { ${setIp} checkAttrName(${top}, ${a === 1}, C, ${at}); }`);
        break;
      case Op.CurPos: out.push(`${s(h)} = currentPosition(C, ${at});`); break;
      case Op.Unforced: out.push(`${top} = Thunk.unforced(${top});`); break;
      case Op.Count:
        // Statistics (only in code compiled with NIX_SHOW_STATS): an envless lambda makes no environment.
        if (a !== Counter.Envs) out.push(`counts[${a}] += ${b};`);
        else if (!noEnv) out.push(`counts[${Counter.Envs}] += 1; counts[${Counter.EnvElements}] += ${b};`);
        break;
      default: throw new Untranslatable(`unknown opcode ${instr.op}`);
    }
  }
  if (targets.has(chunk.code.length)) out.push('}');
  const locals = ['ip = -1', 't', 'i', 'n', ...(trackSelected ? ['ss = null', "sn = ''", 'sd = null'] : []), ...(formals ? ['ix', 'vs'] : []), ...range(0, maxHeight + 1)];
  // Only the helpers the body names are taken from R (a smaller source to parse, fewer loads).
  const body = out.join('\n');
  const named = new Set(body.match(HELPER_PATTERN));
  const usedHelpers = HELPERS.filter((name) => named.has(name) || name === 'fail' || (name === 'posOf' && usedPositions.size > 0));
  const source = [
    `'use strict';`,
    `const { ${usedHelpers.join(', ')} } = R;`,
    // In the order the body first names them, the same for chunks of the same code (no sort).
    ...[...usedConsts].map((i) => `const k${i} = K[${i}];`),
    ...[...usedPositions].map((at) => `const p${at} = posOf(C, ${at});`),
    ...caches.map((at) => `let sh${at} = null, ix${at} = -1;`),
    `return function ${promoteAt !== null ? COLD_FUNCTION_NAME : 'compiled'}(${noEnv ? 'up, arg' : 'env'}) {`,
    `let ${locals.join(', ')};`,
    `try {`,
    body,
    `} catch (e) { throw fail(e, C, ip, ${trackSelected ? 'ss, sn, sd' : "null, '', null"}); }`,
    `};`,
  ].join('\n');
  return { source, locals: locals.length, envless: noEnv };
}

function range(from: number, to: number): string[] {
  const r: string[] = [];
  for (let i = from; i < to; i++) r.push(s(i));
  return r;
}

/** The helpers generated code may name (keys of runtime.ts's `helpers`). */
const HELPER_NAMES: Record<keyof Helpers, true> = {
  Thunk: true, Closure: true, NixAttrs: true, TAIL_CALL: true,
  Env0: true, Env1: true, Env2: true, Env3: true, Env4: true, Env5: true, Env6: true, Env7: true, Env8: true, Env9: true, Env10: true, Env11: true, Env12: true, Env13: true, Env14: true, Env15: true, Env16: true, newEnv: true,
  forceThunk: true, call1: true, call2: true, callValue: true, tail1: true, fail: true, posOf: true,
  global: true, withVar: true, attrsFromEnv: true, recOverrides: true, addDynamicAttr: true, attrName: true,
  missedName: true, missingAttr: true, typeError: true, typeErrorAt: true, selectTypeError: true, equal: true, addsAsIs: true, addPrepare: true, add: true,
  concatPart: true, stringPart: true, concatLists: true, update: true, update3: true, updateChain: true,
  arith: true, bindFormals: true, formalDefault: true, assertEqual: true, assertFailed: true, checkAttrName: true, currentPosition: true,
  counts: true, promote: true, stack: true, reserveWithin: true,
};

const HELPERS = Object.keys(HELPER_NAMES);
/** Every helper's name as a word: one scan of a body finds the ones it names. */
const HELPER_PATTERN = new RegExp(`\\b(?:${HELPERS.join('|')})\\b`, 'g');

type Factory = (k: unknown[], r: Helpers, c: Chunk, promoteAt: number | null) => CompiledCode;

/**
 * A map by string keys that empties itself once its keys' lengths pass a budget: the caches
 * below live as long as the process and are keyed by generated text, so they are bounded by
 * it; emptying costs only translations made again.
 */
class KeyBudgetMap<V> {
  private readonly map = new Map<string, V>();
  private keyBytes = 0;

  constructor(private readonly maxKeyBytes: number) {}

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): void {
    if (this.keyBytes + key.length > this.maxKeyBytes) {
      this.map.clear();
      this.keyBytes = 0;
    }
    this.map.set(key, value);
    this.keyBytes += key.length;
  }
}

/**
 * The factories made so far, by their source. Chunks that translate to the same source (the
 * package functions of a package set: lib-fix translates 12,500 chunks into about 100 sources)
 * share one `new Function`: V8 parses and compiles the source once, and the functions one
 * factory makes share their type feedback and optimised code. Bounded by the sources' size.
 */
const factories = new KeyBudgetMap<Factory>(16 * 1024 * 1024);

function factoryOf(source: string): Factory {
  let factory = factories.get(source);
  if (factory === undefined) {
    factory = new Function('K', 'R', 'C', 'P', source) as Factory;
    factories.set(source, factory);
  }
  return factory;
}

/**
 * The chunk's JS function, or null if it cannot be translated or V8 refuses the source (code
 * nested too deeply for its parser): the chunk then runs in the VM.
 *
 * Its first version is cold when `promoteAt` is given: a function V8 runs in its interpreter
 * and baseline compiler but does not optimise (see COLD_FUNCTION_NAME), which counts its runs
 * and, at the `promoteAt`th, calls the helper `promote` to replace itself by the hot version
 * (the same code without the count, `promoteAt` null), which V8 optimises as it sees fit.
 * TurboFan compiles each function on its own, for a few milliseconds of CPU, so optimising a
 * chunk that runs a few thousand times in a whole evaluation costs more than it saves: most
 * chunks of real code are such (BENCHMARKS.md, "Cold runs (coldjit helper)").
 */
export function instantiate(chunk: Chunk, helpers: Helpers, promoteAt: number | null): CompiledCode | null {
  try {
    const translation = translationOf(chunk, promoteAt);
    if (translation === null) return null;
    const code = translation.factory(chunk.consts, helpers, chunk, promoteAt);
    code.units = translation.units;
    code.envless = translation.envless;
    return code;
  } catch (e) {
    if (e instanceof RangeError) return null;
    throw e;
  }
}

/** A chunk's translation: the factory of its function, and what its calls need to know of it. */
interface Translation {
  factory: Factory;
  /** Units of the depth budget one activation takes (see crossing.ts). */
  units: number;
  envless: boolean;
}

/**
 * Translations by translationKey: chunks of the same code (the package functions of a package
 * set, a module's option declarations) are translated once. Generating a source costs about
 * 0.1 ms a chunk, which lib-fix paid for 5,000 chunks in the evaluation where their run counts
 * reached the threshold. null: the chunk cannot be translated. Bounded by the keys' size.
 */
const translations = new KeyBudgetMap<Translation | null>(16 * 1024 * 1024);

function translationOf(chunk: Chunk, promoteAt: number | null): Translation | null {
  const key = translationKey(chunk, promoteAt);
  const known = key !== null ? translations.get(key) : undefined;
  if (known !== undefined) return known;
  // (A RangeError, V8 refusing the source, leaves nothing cached.)
  const made = translateNew(chunk, promoteAt);
  if (key !== null) translations.set(key, made);
  return made;
}

function translateNew(chunk: Chunk, promoteAt: number | null): Translation | null {
  let generated: { source: string; locals: number; envless: boolean };
  try {
    generated = generate(chunk, promoteAt);
  } catch (e) {
    if (e instanceof Untranslatable) return null;
    throw e;
  }
  const factory = factoryOf(generated.source);
  // A frame holds its locals (8 bytes each, and temporaries): a function with many takes
  // more than one unit of the budget.
  return { factory, units: 1 + Math.floor((generated.locals * 10) / BYTES_PER_UNIT), envless: generated.envless };
}

/**
 * Everything `generate` reads of a chunk, as a string: two chunks with the same key translate
 * to the same source. That is the code itself, whether it is a lambda's body, whether its
 * error regions track selections, the version (cold or hot), and the few constants whose
 * content (not only their index) shapes the code: the names of globals inlined as constants,
 * the code of a thunk tried eagerly (eager.ts), the size of a set literal or of a `rec` set
 * read from its environment, the slots of formals. null: a chunk that cannot be decoded
 * (generate says why).
 */
function translationKey(chunk: Chunk, promoteAt: number | null): string | null {
  const code = chunk.code;
  const consts = chunk.consts;
  let key = `${promoteAt === null ? 'h' : 'c'}${chunk.lambda === null ? 't' : 'l'}${chunk.regions.some((r) => r.select) ? 's' : '-'}${code.join(',')}`;
  for (let at = 0; at < code.length;) {
    const op = code[at] as Op;
    const n = OPERANDS[op];
    if (n === undefined) return null;
    const a = code[at + 1];
    switch (op) {
      case Op.Global: {
        const name = consts[a];
        if (name === 'true' || name === 'false' || name === 'null') key += `|${at}:${name}`;
        break;
      }
      case Op.Thunk: {
        const sub = consts[a] as Chunk;
        if (eagerCandidate(sub, STATS_ON)) key += `|${at}:${eagerKey(sub)}`;
        break;
      }
      case Op.Attrs:
      case Op.AttrsFromEnv: key += `|${at}:${(consts[a] as AttrShape).names.length}`; break;
      case Op.Formals: key += `|${at}:${(consts[a] as FormalsInfo).entries.map((e) => e.slot).join('.')}`; break;
      case Op.ConcatPart: {
        const layout = consts[code[at + 2]] as ConcatLayout;
        key += `|${at}:${layout.forceString ? 's' : '-'}${layout.positions.length}`;
        break;
      }
    }
    at += 1 + n;
  }
  return key;
}

// The builtins the language itself leans on: arithmetic and comparison (the operators
// `-`, `*`, `/`, `<` call these), type predicates, errors, tryEval, seq/deepSeq, trace,
// toString and typeOf. (`import` is in io.ts with the other builtins that read files.)

import { NixError, type SourcePos } from '../errors/errors.js';
import { showIdentifier } from '../syntax/show.js';
import { addInt, compareInt, divInt, intToString, mulInt, subInt, toBig, normaliseInt, type NixInt } from '../value/int.js';
import { formatFloat } from '../value/float.js';
import { asInt, forceInt, lazyBuiltin, run } from './strings-args.js';
import { forceTraced, forceTracedDirect } from './force-args.js';
import {
  AttrShape, Builtin, type BuiltinSpec, Closure, type EvalState, evaluatedValue, force, NixAttrs, NixFloat, NixPath, NixString, type Request, Thunk, typeOf,
  type Value,
} from '../value/values.js';
import { coerceToString } from '../value/coerce.js';
import { lessThanGen } from '../vm/ops.js';
import { printValue, TRACE_PRINT } from '../value/print.js';
import { defineBuiltin, expectInt, expectNumber, expectString, typeError } from './util.js';
import { OBJECT_BYTES, reserveList, tick } from '../limits/limits.js';
import { internName } from '../value/symbols.js';
import { newNames } from '../value/attrs.js';
import { type DepthCount, determinePos as placePos, builtinDepth, forceAtDepth, MAX_NESTING, stackOverflow } from '../value/depth.js';

type Gen = Generator<Request, Value, Value>;

/** `trace: MESSAGE`: the message is forced to WHNF only, and what is still unevaluated prints as «thunk». */
function* traceMessage(m0: Value, state: EvalState): Generator<Request, void, Value> {
  const m = yield* force(m0);
  const limit = state.settings.maxCallDepth;
  state.trace(typeof m === 'string' ? m : m instanceof NixString ? m.s : printValue(m, limit === undefined ? TRACE_PRINT : { ...TRACE_PRINT, maxCallDepth: limit }));
}

function isInt(v: Value): v is NixInt {
  return typeof v === 'number' || typeof v === 'bigint';
}

/**
 * `add`, `sub` and `mul`: integers unless either operand is a float. Their errors name the
 * operation ("while evaluating the first argument of the addition"), as in C++ Nix.
 */
function arith(
  name: string, operation: string, intOp: (a: NixInt, b: NixInt) => NixInt, floatOp: (a: number, b: number) => number,
  floatFirstCtx = `while evaluating the first argument of the ${operation}`,
): BuiltinSpec {
  const ctx = (i: number) => `while evaluating the ${i === 0 ? 'first' : 'second'} argument of the ${operation}`;
  return defineBuiltin(name, 2, ([a, b]) => {
    if (a instanceof NixFloat || b instanceof NixFloat) return new NixFloat(floatOp(withContext(expectNumber, a, floatFirstCtx), withContext(expectNumber, b, ctx(1))));
    return intOp(withContext(expectInt, a, ctx(0)), withContext(expectInt, b, ctx(1)));
  });
}

/** Runs a type check, adding `context` to its error's trace. */
function withContext<T>(check: (v: Value) => T, v: Value, context: string): T {
  try {
    return check(v);
  } catch (e) {
    if (e instanceof NixError) e.addTrace(context);
    throw e;
  }
}

/** A value met while deep-forcing, with the attribute path that led to it (for traces). */
interface DeepItem {
  v: Value;
  parent: DeepItem | null;
  /** The set the value is an attribute of (with `name`), or null for a list element (`index`). */
  set: NixAttrs | null;
  name: string;
  index: number;
  /** C++ Nix's callDepth where forceValueDeep's recursion meets it (with a DepthCount only). */
  depth: number;
}

/**
 * Walks a value and forces everything in it, iteratively and once per shared value. An error
 * gets "while evaluating the attribute 'x'" for each set it was found in, as C++ Nix. With
 * `count` (an explicit max-call-depth: value/depth.ts), each level counts against it as in C++
 * Nix's forceValueDeep: past it, "stack overflow; max-call-depth exceeded" at the value;
 * without, the same error past MAX_NESTING levels.
 */
export function* deepForce(root: Value, count?: DepthCount): Gen {
  const seen = new Set<object>();
  const work: DeepItem[] = [{ v: root, parent: null, set: null, name: '', index: -1, depth: count?.start ?? 0 }];
  while (work.length > 0) {
    tick();
    const item = work.pop()!;
    let v: Value;
    try {
      if (count === undefined) {
        if (item.depth > MAX_NESTING) throw stackOverflow(placePos(item.v));
        v = yield* force(item.v);
      } else {
        const pos = placePos(item.v);
        if (item.depth > count.limit) throw stackOverflow(pos);
        v = yield* forceAtDepth(item.v, item.depth + 1, count, pos);
      }
    } catch (e) {
      if (e instanceof NixError) {
        for (let it: DeepItem | null = item; it && it.parent; it = it.parent) {
          if (it.set) e.addTrace(`while evaluating the attribute '${showIdentifier(it.name)}'`, it.set.positions?.get(it.name));
          else e.addTrace(`while evaluating list element at index ${it.index}`);
        }
      }
      throw e;
    }
    const depth = item.depth + 1;
    // An element already evaluated that holds nothing (not a list or set) is done, unless the
    // walk is past the depth that fails at any value: no item for it (most of a set's leaves).
    const leavesDone = depth <= (count === undefined ? MAX_NESTING : count.limit);
    if (Array.isArray(v)) {
      if (seen.has(v)) continue;
      seen.add(v);
      reserveList(v.length, OBJECT_BYTES);
      for (let i = v.length - 1; i >= 0; i--) {
        if (leavesDone && isEvaluatedLeaf(v[i])) continue;
        work.push({ v: v[i], parent: item, set: null, name: '', index: i, depth });
      }
    } else if (v instanceof NixAttrs) {
      if (seen.has(v)) continue;
      seen.add(v);
      const keys = v.symbolKeys();
      reserveList(keys.length, OBJECT_BYTES);
      for (let i = keys.length - 1; i >= 0; i--) {
        const e = v.get(keys[i])!;
        if (leavesDone && isEvaluatedLeaf(e)) continue;
        work.push({ v: e, parent: item, set: v, name: keys[i], index: -1, depth });
      }
    }
  }
  return yield* force(root);
}

/** Whether forcing v deeply has nothing to do: it is evaluated, and neither a list nor a set. */
function isEvaluatedLeaf(v: Value): boolean {
  const e = evaluatedValue(v);
  return e !== undefined && !Array.isArray(e) && !(e instanceof NixAttrs);
}

/**
 * toString of a value it turns into text as it is (strings, integers, booleans, null: most
 * calls), without the generator of coerceToString; undefined for the others.
 */
function toStringQuick(v: Value): Value | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return intToString(v);
  if (v instanceof NixString) return v.context.size > 0 ? v : v.s;
  if (v === true) return '1';
  if (v === false || v === null) return '';
  return undefined;
}

function* toStringGen(v: Value): Gen {
  const r = yield* coerceToString(v, {
    coerceMore: true, copyToStore: false, errorCtx: { message: 'while evaluating the first argument passed to builtins.toString' },
  });
  return r.context && r.context.size > 0 ? new NixString(r.s, r.context) : r.s;
}

/** A builtin that tells something of its one argument's type: it cannot fail once that is forced. */
function typeTest(name: string, test: (v: Value) => Value): BuiltinSpec {
  return defineBuiltin(name, 1, ([v]) => test(v), { quick1: test });
}

/** forceString's line: on a message of the wrong type, and on any error raised while forcing it. */
const WARN_MESSAGE = 'while evaluating the first argument; the message passed to builtins.warn';

export const coreBuiltins: BuiltinSpec[] = [
  arith('add', 'addition', addInt, (a, b) => a + b),
  arith('sub', 'subtraction', subInt, (a, b) => a - b),
  // (C++ Nix's message for a float multiplication's first operand lacks "argument".)
  arith('mul', 'multiplication', mulInt, (a, b) => a * b, 'while evaluating the first of the multiplication'),
  defineBuiltin('div', 2, ([a, b]) => {
    // The divisor is checked first, as C++ Nix does.
    const bn = withContext(expectNumber, b, 'while evaluating the second operand of the division');
    if (bn === 0) throw new NixError('eval', 'division by zero');
    if (a instanceof NixFloat || b instanceof NixFloat) {
      return new NixFloat(withContext(expectNumber, a, 'while evaluating the first operand of the division') / bn);
    }
    return divInt(withContext(expectInt, a, 'while evaluating the first operand of the division'), expectInt(b));
  }, {
    // Integers whose quotient truncates exactly in float division (as the compiled tier's `/`).
    quick2: (a, b) => (typeof a === 'number' && typeof b === 'number' && b !== 0 && a < 2147483648 && a > -2147483648 ? (a / b) | 0 : undefined),
  }),
  defineBuiltin('lessThan', 2, ([a, b], ctx) => lessThanGen(a, b, builtinDepth(ctx))),
  bitwise('bitAnd', (a, b) => a & b),
  bitwise('bitOr', (a, b) => a | b),
  bitwise('bitXor', (a, b) => a ^ b),
  rounding('ceil', Math.ceil),
  rounding('floor', Math.floor),

  typeTest('typeOf', (v) => typeOf(v)),
  typeTest('isNull', (v) => v === null),
  typeTest('isBool', (v) => typeof v === 'boolean'),
  typeTest('isInt', (v) => isInt(v)),
  typeTest('isFloat', (v) => v instanceof NixFloat),
  typeTest('isString', (v) => typeof v === 'string' || v instanceof NixString),
  typeTest('isPath', (v) => v instanceof NixPath),
  typeTest('isList', (v) => Array.isArray(v)),
  typeTest('isAttrs', (v) => v instanceof NixAttrs),
  typeTest('isFunction', (v) => v instanceof Closure || v instanceof Builtin),

  // The message is coerced as C++ Nix's coerceToString does by default: a path is copied to
  // the store (`throw ./f` says /nix/store/…-f). "builtin.throw" is C++ Nix's spelling.
  defineBuiltin('throw', 1, function* ([v]) {
    const r = yield* coerceToString(v, { coerceMore: false, copyToStore: true, errorCtx: { message: 'while evaluating the error message passed to builtin.throw' } });
    const e = new NixError('throw', r.s);
    e.colourCode = 'start'; // C++ Nix's HintFmt of a literal
    throw e;
  }),
  defineBuiltin('abort', 1, function* ([v]) {
    const r = yield* coerceToString(v, { coerceMore: false, copyToStore: true, errorCtx: { message: 'while evaluating the error message passed to builtins.abort' } });
    throw new NixError('abort', `evaluation aborted with the following error message: '${r.s}'`);
  }),
  defineBuiltin('tryEval', 1, function* ([v]) {
    try {
      yield* force(v);
    } catch (e) {
      return tryEvalFailed(e);
    }
    return tryEvalSucceeded(v);
  }, {
    lazy: [0],
    direct: ([v], _ctx, ev) => {
      try {
        ev.force(v);
      } catch (e) {
        return tryEvalFailed(e);
      }
      return tryEvalSucceeded(v);
    },
  }),
  defineBuiltin('seq', 2, function* ([a, b]) {
    yield* force(a);
    return yield* force(b);
  }, {
    lazy: [0, 1],
    direct: ([a, b], _ctx, ev) => {
      ev.force(a);
      return ev.force(b);
    },
  }),
  defineBuiltin('deepSeq', 2, function* ([a, b], ctx) {
    yield* deepForce(a, builtinDepth(ctx));
    return yield* force(b);
  }, {
    lazy: [0, 1],
    direct: ([a, b], ctx, ev) => {
      ev.drive(deepForce(a, builtinDepth(ctx)));
      return ev.force(b);
    },
  }),
  defineBuiltin('trace', 2, function* ([m, b], ctx) {
    yield* traceMessage(m, ctx.state);
    return yield* force(b);
  }, { lazy: [1] }),
  defineBuiltin('warn', 2, function* ([m, b], ctx) {
    const msg = withContext(expectString, m, WARN_MESSAGE).s;
    ctx.state.emitLine(formatEvaluationWarning(msg));
    if (ctx.state.settings.abortOnWarn) {
      // Not catchable by tryEval, as in C++ Nix: the point is the trace to the warning.
      throw new NixError('eval', 'aborting to reveal stack trace of warning, as abort-on-warn is set');
    }
    return yield* force(b);
  }, { lazy: [1], forceCtx: [WARN_MESSAGE] }),
  // `trace` when the trace-verbose setting is on; otherwise the identity on its second argument.
  defineBuiltin('traceVerbose', 2, function* ([a, b], ctx) {
    if (ctx.state.settings.traceVerbose) yield* traceMessage(a, ctx.state);
    return yield* force(b);
  }, { lazy: [0, 1] }),
  defineBuiltin('addErrorContext', 2, function* ([c, v]) {
    try {
      return yield* force(v);
    } catch (e) {
      if (e instanceof NixError) yield* addErrorContextTo(e, c);
      throw e;
    }
  }, {
    lazy: [0, 1],
    noCallTrace: true,
    direct: ([c, v], _ctx, ev) => {
      try {
        return ev.force(v);
      } catch (e) {
        if (e instanceof NixError) ev.drive(addErrorContextTo(e, c));
        throw e;
      }
    },
  }),
  // `break` pauses in C++ Nix's debugger; without one it is the identity.
  defineBuiltin('break', 1, ([v]) => v),
  defineBuiltin('toString', 1, ([v]) => toStringQuick(v) ?? toStringGen(v), {
    direct: ([v], _ctx, ev) => toStringQuick(v) ?? ev.drive(toStringGen(v)),
    quick1: toStringQuick,
  }),
];

/** addErrorContext's line on an error leaving its value: the message `c`, coerced. */
function* addErrorContextTo(e: NixError, c: Value): Generator<Request, void, Value> {
  const r = yield* coerceToString(c, {
    coerceMore: false, copyToStore: false,
    errorCtx: { message: 'while evaluating the error message passed to builtins.addErrorContext' },
  });
  // Shown even where a trace without --show-trace is cut (C++ Nix's TracePrint::Always).
  e.addTrace(r.s, undefined, 'always');
}

/**
 * The shape of tryEval's sets, `{ success; value; }`: one for every call (real code calls
 * tryEval once per option or package, and a shape of its own for each set cost a map, a sort
 * and a miss of every select's inline cache), kept as a literal's shape is (AttrShape.literal:
 * what it caches in one evaluation is let go of at the next).
 */
const TRY_EVAL_SHAPE = AttrShape.literal(tryEvalNames(), undefined);

function tryEvalNames(): string[] {
  const names = newNames(2);
  names[0] = 'success';
  names[1] = 'value';
  return names;
}

/** tryEval's set: `success` is made a symbol here, as C++ Nix's symbols.create("success") (`value` is its own). */
function tryEvalSet(success: boolean, value: Value): NixAttrs {
  internName('success');
  return new NixAttrs(TRY_EVAL_SHAPE, [success, value]);
}

/** tryEval's value when its argument evaluates: the argument itself (the same place). */
function tryEvalSucceeded(v: Value): Value {
  return tryEvalSet(true, v);
}

/** tryEval's value when its argument fails: a catchable error is caught, others go on. */
function tryEvalFailed(e: unknown): Value {
  if (e instanceof NixError && e.catchable) return tryEvalSet(false, false);
  throw e;
}

/** `evaluation warning: ` with later lines aligned under the first, as C++ Nix prints it. */
function formatEvaluationWarning(msg: string): string {
  const prefix = 'evaluation warning:';
  if (msg.startsWith('\n')) return prefix + msg;
  return `${prefix} ${msg.split('\n').join('\n' + ' '.repeat(prefix.length + 1))}`;
}

/**
 * `bitAnd` and friends: the first argument is forced and checked before the second is
 * forced, as C++ Nix's forceInt does one after the other.
 */
function bitwise(name: string, op: (a: bigint, b: bigint) => bigint): BuiltinSpec {
  const ctx = (i: number) => `while evaluating the ${i === 0 ? 'first' : 'second'} argument passed to builtins.${name}`;
  return lazyBuiltin(name, 2, function* (args) {
    const a = asInt(args[0]) ?? (yield* forceInt(args[0], ctx(0)));
    const b = asInt(args[1]) ?? (yield* forceInt(args[1], ctx(1)));
    return normaliseInt(op(toBig(a), toBig(b)));
  });
}

const ISSUE_12899 = 'Due to a bug (see https://github.com/NixOS/nix/issues/12899)';

/**
 * C++ Nix's `args[0]->determinePos(noPos)`, read before the argument is forced: a lambda's
 * position for a function already evaluated (a thunk, even of a lambda literal, has none, as
 * C++ Nix makes one for it). Sets keep no position here (C++ Nix's Bindings::pos): none either.
 */
function determinePos(v: Value): SourcePos | undefined {
  const f = evaluatedValue(v);
  return f instanceof Closure ? { source: f.lambda.source, offset: f.lambda.pos } : undefined;
}

/**
 * ceil and floor: forceFloat at determinePos, so its line, and its type error, are at an
 * evaluated lambda's position (the argument is lazy to see whether it was evaluated).
 */
function rounding(name: string, round: (x: number) => number): BuiltinSpec {
  const frame = `while evaluating the first argument passed to builtins.${name}`;
  const rounded = (a: Value, pos: SourcePos | undefined): NixInt => {
    if (!(typeof a === 'number' || typeof a === 'bigint' || a instanceof NixFloat)) {
      const e = typeError('a float', a).addTrace(frame, pos);
      if (pos !== undefined) e.pos = pos;
      throw e;
    }
    return roundToInt(a, round(expectNumber(a)));
  };
  return defineBuiltin(name, 1, ([a0]) => {
    if (!(a0 instanceof Thunk)) return rounded(a0, determinePos(a0));
    const pos = determinePos(a0);
    return run((function* () { return rounded(yield* forceTraced(a0, frame, pos), pos); })());
  }, {
    lazy: [0],
    direct: ([a0], _ctx, ev) => {
      const pos = determinePos(a0);
      return rounded(forceTracedDirect(ev, a0, frame, pos), pos);
    },
  });
}

/**
 * `ceil` and `floor` of `arg`, already rounded as a double: an integer if in range. An
 * integer argument goes through a double as in C++ Nix, which refuses what that changes.
 */
function roundToInt(arg: Value, rounded: number): NixInt {
  const isInt = typeof arg === 'number' || typeof arg === 'bigint';
  if (!(rounded >= -(2 ** 63) && rounded < 2 ** 63)) {
    if (isInt) {
      throw new NixError('eval', `${ISSUE_12899} the NixInt argument ${arg} caused undefined behavior in previous Nix versions.\n\tFuture Nix versions might implement the correct behavior.`);
    }
    throw new NixError('eval', `NixFloat argument ${formatFloat((arg as NixFloat).value)} is not in the range of NixInt`);
  }
  const r = Number.isSafeInteger(rounded) ? rounded : normaliseInt(BigInt(rounded));
  if (isInt && compareInt(arg, r) !== 0) {
    throw new NixError('eval', `${ISSUE_12899} a loss of precision occurred in previous Nix versions because the NixInt argument ${arg} was rounded to ${r}.\n\tFuture Nix versions might implement the correct behavior.`);
  }
  return r;
}


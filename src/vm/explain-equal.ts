// When `assert a == b` fails, C++ Nix says where and how the two values differ: the path of
// attributes and list elements down to the first difference, each with the positions of
// both sides, and a message naming the differing values. Runs only after `==` was false.

import { NixError, type SourcePos } from '../errors/errors.js';
import {
  Builtin, Closure, force, NixAttrs, NixFloat, NixPath, type Request, showType, type Value, isString, stringOf,
} from '../value/values.js';
import { printForError, printValue } from '../value/print.js';
import { equalPlacesGen } from './ops.js';
import { showIdentifier } from '../syntax/show.js';

interface Step {
  message: string;
  pos?: SourcePos;
}

function typeWithValue(v: Value): string {
  return `${showType(v)} of value '${printForError(v)}'`;
}

/** Throws the explanation of why a != b (the caller knows they differ). */
export function* explainInequality(a0: Value, b0: Value, opPos: SourcePos | undefined): Generator<Request, never, Value> {
  const steps: Step[] = [];
  let a = a0;
  let b = b0;
  for (;;) {
    a = yield* force(a);
    b = yield* force(b);
    const fail = (message: string): never => {
      const e = new NixError('assert', message);
      e.explainsAssertion = true;
      for (let i = steps.length - 1; i >= 0; i--) e.addTrace(steps[i].message, steps[i].pos);
      throw e;
    };
    const numA = typeof a === 'number' || typeof a === 'bigint' || a instanceof NixFloat;
    const numB = typeof b === 'number' || typeof b === 'bigint' || b instanceof NixFloat;
    if (numA && numB) fail(`${withValue(a)} is not equal to ${withValue(b)}`);
    if (typeof a === 'boolean' && typeof b === 'boolean') fail(`boolean '${a}' is not equal to boolean '${b}'`);
    if (isString(a) && isString(b)) fail(`string '${printValue(stringOf(a))}' is not equal to string '${printValue(stringOf(b))}'`);
    if (a instanceof NixPath && b instanceof NixPath) fail(`path '${a.path}' is not equal to path '${b.path}'`);
    if ((a instanceof Closure || a instanceof Builtin) && (b instanceof Closure || b instanceof Builtin)) {
      fail('distinct functions and immediate comparisons of identical functions compare as unequal');
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      if (a.length !== b.length) {
        fail(`list of size '${a.length}' is not equal to list of size '${b.length}', left hand side is '${printForError(a)}', right hand side is '${printForError(b)}'`);
      }
      let i = 0;
      while (i < a.length && (yield* equalPlacesGen(a[i], b[i]))) i++;
      steps.push({ message: `while comparing list element ${i}`, pos: opPos });
      a = a[i];
      b = b[i];
      continue;
    }
    if (a instanceof NixAttrs && b instanceof NixAttrs) {
      if ((yield* isDerivationGen(a)) && (yield* isDerivationGen(b))) {
        steps.push({ message: "while comparing a derivation by its 'outPath' attribute", pos: opPos });
        a = a.get('outPath') ?? null;
        b = b.get('outPath') ?? null;
        continue;
      }
      if (a.size !== b.size) {
        fail(`attribute names of attribute set '${printForError(a)}' differs from attribute set '${printForError(b)}'`);
      }
      // Attribute by attribute, as `==` went: the first name that differs, or the first value.
      const ka = a.symbolKeys();
      const kb = b.symbolKeys();
      let k = 0;
      for (; k < ka.length; k++) {
        if (ka[k] !== kb[k]) {
          if (!b.has(ka[k])) {
            fail(`attribute name '${showIdentifier(ka[k])}' is contained in '${printForError(a)}', but not in '${printForError(b)}'`);
          }
          fail(`attribute name '${showIdentifier(kb[k])}' is missing in '${printForError(a)}', but is contained in '${printForError(b)}'`);
        }
        if (!(yield* equalPlacesGen(a.get(ka[k])!, b.get(ka[k])!))) break;
      }
      const name = ka[k];
      steps.push({ message: `while comparing attribute '${showIdentifier(name)}'`, pos: opPos });
      steps.push({ message: 'where left hand side is', pos: a.positions?.get(name) });
      steps.push({ message: 'where right hand side is', pos: b.positions?.get(name) });
      a = a.get(name)!;
      b = b.get(name)!;
      continue;
    }
    fail(`${typeWithValue(a)} is not equal to ${typeWithValue(b)}`);
  }
}

function withValue(v: Value): string {
  return `${v instanceof NixFloat ? 'a float' : 'an integer'} with value '${printForError(v)}'`;
}

function* isDerivationGen(v: NixAttrs): Generator<Request, boolean, Value> {
  const t = v.get('type');
  if (t === undefined) return false;
  const tv = yield* force(t);
  return isString(tv) && stringOf(tv) === 'derivation';
}

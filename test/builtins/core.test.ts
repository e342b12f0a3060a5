// Unit tests of the core builtins (src/builtins/core.ts): what each forces, in which order,
// and C++ Nix's messages (current master, src/libexpr/primops.cc).

import { failure, run } from './helpers.js';
import { evaluate } from '../../src/eval.js';
import { printValue } from '../../src/value/print.js';
import { NixAttrs, Thunk, type Value } from '../../src/value/values.js';
import { startShapeEpoch } from '../../src/value/attrs.js';

describe('bitAnd, bitOr, bitXor', () => {
  test('results', () => {
    expect(run('builtins.bitAnd 12 10')).toBe('8');
    expect(run('builtins.bitOr 12 10')).toBe('14');
    expect(run('builtins.bitXor (-1) 9223372036854775807')).toBe('-9223372036854775808');
  });
  test('the first argument is checked before the second is forced', () => {
    expect(failure('builtins.bitAnd true (throw "b")')).toEqual({
      message: 'expected an integer but found a Boolean: true',
      context: ['while evaluating the first argument passed to builtins.bitAnd'],
    });
    expect(run('builtins.bitOr (throw "a") (throw "b")')).toBe('error: a');
    expect(failure('builtins.bitXor 1 "x"')).toEqual({
      message: 'expected an integer but found a string: "x"',
      context: ['while evaluating the second argument passed to builtins.bitXor'],
    });
  });
});

describe('ceil and floor', () => {
  test('floats in range', () => {
    expect(run('builtins.ceil 1.5')).toBe('2');
    expect(run('builtins.floor (-1.5)')).toBe('-2');
    expect(run('builtins.ceil 3')).toBe('3');
    expect(run('builtins.floor (-9223372036854775807 - 1)')).toBe('-9223372036854775808');
  });
  test('out of range, or an integer a double cannot hold', () => {
    expect(run('builtins.ceil 1.0e20')).toBe('error: NixFloat argument 1e+20 is not in the range of NixInt');
    expect(run('builtins.floor 9007199254740993')).toBe(
      'error: Due to a bug (see https://github.com/NixOS/nix/issues/12899) a loss of precision occurred in previous Nix versions because the NixInt argument 9007199254740993 was rounded to 9007199254740992.\n\tFuture Nix versions might implement the correct behavior.',
    );
    expect(run('builtins.floor 9223372036854775807')).toBe(
      'error: Due to a bug (see https://github.com/NixOS/nix/issues/12899) the NixInt argument 9223372036854775807 caused undefined behavior in previous Nix versions.\n\tFuture Nix versions might implement the correct behavior.',
    );
  });
});

describe('arithmetic', () => {
  test('a float multiplication names its first operand as C++ Nix does', () => {
    expect(failure('builtins.mul "a" 1.0')).toEqual({
      message: 'expected a float but found a string: "a"',
      context: ['while evaluating the first of the multiplication'],
    });
    expect(failure('builtins.add "a" 1.0')).toEqual({
      message: 'expected a float but found a string: "a"',
      context: ['while evaluating the first argument of the addition'],
    });
  });
});

describe('tryEval', () => {
  test('the value is the argument itself (the same place)', () => {
    expect(run('let f = x: x; in builtins.elem f (builtins.catAttrs "value" [ (builtins.tryEval f) ])')).toBe('true');
    expect(run('builtins.tryEval (throw "x")')).toBe('{ success = false; value = false; }');
  });
  test('its sets share one shape, which lets go of what it cached in one evaluation at the next', () => {
    const sets = () => {
      const r = evaluate({ expr: 'let r = { z = 0; }; in [ (builtins.tryEval 1) (builtins.tryEval (throw "x")) r ((builtins.tryEval 2) // r) ]', strict: true });
      if (!r.ok) throw new Error(r.rendered);
      return (r.value as Value[]).map((v) => (v instanceof Thunk ? v.value : v) as NixAttrs);
    };
    const [ok, failed, right, merged] = sets();
    expect(printValue(merged)).toBe('{ success = true; value = 2; z = 0; }');
    expect(ok.shape).toBe(failed.shape);
    // The result of `//` the evaluation made is cached on the shape until the next evaluation.
    expect(ok.shape.merge(right.shape).shape).toBe(merged.shape);
    startShapeEpoch();
    expect(ok.shape.merge(right.shape).shape).not.toBe(merged.shape);
    expect(sets()[0].shape).toBe(ok.shape);
  });
});

describe('throw and abort', () => {
  test('the message is coerced as coerceToString does by default: a path goes to the store', () => {
    const r = failure('throw ./package.json');
    expect(r.message).toMatch(/^\/nix\/store\/[0-9a-z]{32}-package\.json$/);
    expect(failure('abort ./package.json').message).toMatch(/^evaluation aborted with the following error message: '\/nix\/store\/[0-9a-z]{32}-package\.json'$/);
  });
  test('a message that is no string gets the line about the message', () => {
    expect(failure('throw 1')).toEqual({
      message: 'cannot coerce an integer to a string: 1',
      context: ['while evaluating the error message passed to builtin.throw'],
    });
    expect(failure('abort { }')).toEqual({
      message: 'cannot coerce a set to a string: { }',
      context: ['while evaluating the error message passed to builtins.abort'],
    });
  });
});

describe('warn and addErrorContext', () => {
  test('a message of the wrong type', () => {
    expect(failure('builtins.warn 1 2')).toEqual({
      message: 'expected a string but found an integer: 1',
      context: ['while evaluating the first argument; the message passed to builtins.warn'],
    });
    expect(failure('builtins.addErrorContext { } (throw "x")')).toEqual({
      message: 'cannot coerce a set to a string: { }',
      context: ['while evaluating the error message passed to builtins.addErrorContext'],
    });
  });
});

describe('the builtins set', () => {
  test('holds itself, as C++ Nix binds `builtins` as one of its constants', () => {
    expect(run('builtins ? builtins')).toBe('true');
    expect(run('builtins.builtins.builtins.length [ 1 2 ]')).toBe('2');
    expect(run('builtins.builtins == builtins')).toBe('true');
    expect(run('builtins.elem "builtins" (builtins.attrNames builtins)')).toBe('true');
  });
});

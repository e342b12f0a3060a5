// quoteString (src/syntax/show.ts) writes a string as a Nix string literal, as C++ Nix's
// printers do: `"` and `\` escaped, newline, return and tab as \n \r \t, and `$` escaped only
// before `{`. Checked against a model written a character at a time, and by reading the
// literal back with the evaluator.

import fc from 'fast-check';
import { quoteString } from '../../src/syntax/show.js';
import { evaluate } from '../../src/eval.js';
import { modelQuote } from './models.js';

/** Strings made mostly of the characters that matter here. */
const tricky = fc.array(fc.constantFrom('"', '\\', '\n', '\r', '\t', '$', '{', '}', '$$', '${', 'a', ' ', "''"), { maxLength: 30 })
  .map((parts) => parts.join(''));

test('quoteString escapes as the character-at-a-time model does', () => {
  fc.assert(fc.property(fc.oneof(tricky, fc.string()), (s) => quoteString(s) === modelQuote(s)), { numRuns: 2000 });
  expect(quoteString('')).toBe('""');
  expect(quoteString('plain text, no escapes')).toBe('"plain text, no escapes"');
  expect(quoteString('$${x} ${ $ {')).toBe('"$\\${x} \\${ $ {"');
});

test('the literal quoteString writes evaluates to the string itself', () => {
  fc.assert(fc.property(tricky, (s) => {
    const r = evaluate({ expr: quoteString(s) });
    return r.ok && r.value === s;
  }), { numRuns: 300 });
});

// Attribute names and identifiers in error messages are printed as C++ Nix prints a symbol
// (printIdentifier): bare when they are identifiers, as a quoted string otherwise
// (`'"b c"'`, `'"if"'`). Lambda names in "function 'f'" and "while calling 'f'" are not.

import { failure } from '../builtins/helpers.js';

describe('names in messages', () => {
  test.each([
    ['({ a }: a) { a = 1; "b c" = 2; }', "function 'anonymous lambda' called with unexpected argument '\"b c\"'"],
    ['({ }: 1) { "if" = 1; }', "function 'anonymous lambda' called with unexpected argument '\"if\"'"],
    ['({ }: 1) { a-b\' = 1; }', "function 'anonymous lambda' called with unexpected argument 'a-b''"],
    ['{ a = 1; }."b c"', "attribute '\"b c\"' missing"],
    ['{ a = 1; }.""', "attribute '\"\"' missing"],
    ['builtins.getAttr "b c" { }', "attribute '\"b c\"' missing"],
    ['let f = { "a b" = x: x; }; in f."a b" { } { }', "attempt to call something which is not a function but a set: { }"],
    ['{ "a b" = 1; ${"a" + " b"} = 2; }', "dynamic attribute '\"a b\"' already defined at «string»:1:3"],
    ['assert { a = 1; } == { b = 1; }; 1', "attribute name 'a' is contained in '{ a = 1; }', but not in '{ b = 1; }'"],
    // Compared in symbol order (b, c, a: as first written), as C++ Nix compares: c meets a.
    ['assert { b = 1; c = 1; } == { a = 1; b = 1; }; 1', "attribute name 'c' is contained in '{ b = 1; c = 1; }', but not in '{ a = 1; b = 1; }'"],
    ['assert { a = 1; b = 1; } == { b = 1; c = 1; }; 1', "attribute name 'a' is contained in '{ a = 1; b = 1; }', but not in '{ b = 1; c = 1; }'"],
    ['let y = { a = 1; c = 1; }; in assert { b = 1; c = 1; } == y; 1', "attribute name 'a' is missing in '{ b = 1; c = 1; }', but is contained in '{ a = 1; c = 1; }'"],
    ['assert { "x y" = 1; z = 1; } == { "x y" = 1; "z z" = 1; }; 1', "attribute name 'z' is contained in '{ \"x y\" = 1; z = 1; }', but not in '{ \"x y\" = 1; \"z z\" = 1; }'"],
    ['builtins.toString { "a b" = x: x; }."a b"', 'cannot coerce a function to a string: «lambda "a b" @ «string»:1:29»'],
    ['builtins.appendContext "" { "/tmp/x" = { }; }', "context key '\"/tmp/x\"' is not a store path"],
  ])('%s', (expr, message) => {
    expect(failure(expr).message).toBe(message);
  });

  test.each([
    ['builtins.deepSeq { "a b" = throw "x"; } 1', "while evaluating the attribute '\"a b\"'"],
    ['builtins.toJSON { "a b" = throw "x"; }', "while evaluating attribute '\"a b\"'"],
    ['assert { "x y" = 1; } == { "x y" = 2; }; 1', "while comparing attribute '\"x y\"'"],
    ['{ a = 1; }."b c"', "while evaluating the attribute '\"b c\"'"],
  ])('%s', (expr, line) => {
    expect(failure(expr).context).toContain(line);
  });
});

describe('attribute names are strings without context', () => {
  const ctx = '(builtins.appendContext "a" { "/nix/store/00000000000000000000000000000000-src" = { path = true; }; })';
  const refused = "the string 'a' is not allowed to refer to a store path (such as '/nix/store/00000000000000000000000000000000-src')";
  test.each([
    [`{ \${${ctx}} = 1; }`, 'while evaluating the name of a dynamic attribute'],
    [`{ }.\${${ctx}} or 1`, 'while evaluating an attribute name'],
    [`{ } ? \${${ctx}}`, 'while evaluating an attribute name'],
  ])('%s', (expr, line) => {
    const f = failure(expr);
    expect(f.message).toBe(refused);
    expect(f.context[0]).toBe(line);
  });
  test('the name of a dynamic attribute may be null; a selected or tested one may not', () => {
    expect(failure('{ a = 1; }.${null} or 2')).toEqual({
      message: 'expected a string but found null: null',
      context: ['while evaluating an attribute name', "while evaluating the attribute '\"${null}\"'"],
    });
    expect(failure('{ a = 1; } ? ${null}')).toEqual({ message: 'expected a string but found null: null', context: ['while evaluating an attribute name'] });
    expect(failure('{ ${1} = 1; }')).toEqual({ message: 'expected a string but found an integer: 1', context: ['while evaluating the name of a dynamic attribute'] });
  });
});

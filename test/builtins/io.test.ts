// The file builtins' argument handling (src/builtins/io.ts) that needs no file: what is
// forced first, as C++ Nix's primops force it.

import { run } from './helpers.js';

describe('scopedImport', () => {
  test('the path is realised before the scope is forced', () => {
    expect(run('builtins.scopedImport (throw "scope") (throw "path")')).toBe('error: path');
    expect(run('builtins.scopedImport (throw "scope") 1')).toBe("error: cannot coerce an integer to a string: 1");
  });
});

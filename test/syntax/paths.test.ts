// canonicalisePath (src/syntax/paths.ts) is C++ Nix's lexical canonPath: `.` and empty segments
// vanish, `..` removes the segment before it, the result is absolute. Its shortcut for paths
// canonical already must give what the segment walk gives.

import fc from 'fast-check';
import { canonicalisePath } from '../../src/syntax/paths.js';
import { modelCanonicalise } from './models.js';

test('canonicalisePath is the segment walk', () => {
  const path = fc.array(fc.constantFrom('/', '.', '..', 'a', 'b', '.a', '...', 'x.y'), { maxLength: 12 }).map((p) => p.join(''));
  fc.assert(fc.property(path, (p) => canonicalisePath(p) === modelCanonicalise(p)), { numRuns: 5000 });
  for (const [p, want] of [['/', '/'], ['', '/'], ['/a/b', '/a/b'], ['/a/b/', '/a/b'], ['a/b', '/a/b'], ['/a/./b', '/a/b'], ['/a/../b', '/b'], ['/a/.b', '/a/.b'], ['//a', '/a']]) {
    expect([p, canonicalisePath(p)]).toEqual([p, want]);
  }
});

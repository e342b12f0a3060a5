// canonicalisePath (src/syntax/paths.ts) is C++ Nix's lexical canonPath: `.` and empty segments
// vanish, `..` removes the segment before it, the result is absolute. Its shortcut for paths
// canonical already must give what the segment walk gives.

import fc from 'fast-check';
import { canonicalisePath } from '../../src/syntax/paths.js';

/** The segment walk, as the function did it for every path. */
function modelCanonicalise(path: string): string {
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return '/' + out.join('/');
}

test('canonicalisePath is the segment walk', () => {
  const path = fc.array(fc.constantFrom('/', '.', '..', 'a', 'b', '.a', '...', 'x.y'), { maxLength: 12 }).map((p) => p.join(''));
  fc.assert(fc.property(path, (p) => canonicalisePath(p) === modelCanonicalise(p)), { numRuns: 5000 });
  for (const [p, want] of [['/', '/'], ['', '/'], ['/a/b', '/a/b'], ['/a/b/', '/a/b'], ['a/b', '/a/b'], ['/a/./b', '/a/b'], ['/a/../b', '/b'], ['/a/.b', '/a/.b'], ['//a', '/a']]) {
    expect([p, canonicalisePath(p)]).toEqual([p, want]);
  }
});

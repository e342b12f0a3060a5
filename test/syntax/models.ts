// Models of C++ Nix's lexical rules written the plain way, independent of the code under test:
// string-literal escapes a character at a time (show.ts quoteString) and canonPath's segment
// walk (paths.ts canonicalisePath).

/** `"` and `\` escaped, newline, return and tab as \n \r \t, `$` escaped only before `{`. */
export function modelQuote(s: string): string {
  let r = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"' || c === '\\') r += '\\' + c;
    else if (c === '\n') r += '\\n';
    else if (c === '\r') r += '\\r';
    else if (c === '\t') r += '\\t';
    else if (c === '$' && s[i + 1] === '{') r += '\\$';
    else r += c;
  }
  return r + '"';
}

/** canonPath: `.` and empty segments vanish, `..` removes the segment before it; absolute. */
export function modelCanonicalise(path: string): string {
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return '/' + out.join('/');
}

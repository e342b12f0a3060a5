// C++ Nix's escaping of a string literal, written a character at a time: the model the
// printer (show.ts quoteString) is checked against, independent of it.

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

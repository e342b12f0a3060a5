// Lexical path normalisation, as C++ Nix's canonPath does it without touching the
// filesystem: `.` and empty segments vanish, `..` removes the previous segment.

export function canonicalisePath(path: string): string {
  // Most paths are canonical already (path values are kept canonical; `import` and readFile
  // canonicalise each again): absolute, no empty segment, no segment starting with `.`.
  if (path.charCodeAt(0) === 47 && path.indexOf('//') < 0 && path.indexOf('/.') < 0 && (path.length === 1 || path.charCodeAt(path.length - 1) !== 47)) return path;
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return '/' + out.join('/');
}

// Lexical path normalisation, as C++ Nix's canonPath does it without touching the
// filesystem: `.` and empty segments vanish, `..` removes the previous segment.

export function canonicalisePath(path: string): string {
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return '/' + out.join('/');
}

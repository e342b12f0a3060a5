// The inputs of the differential scripts: .nix files found under the paths given.

import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Appends to `out` the file `path`, or every .nix file under the directory `path` (in name
 * order, subdirectories walked); an `expr:` entry (an expression, not a file) is kept as it is.
 */
export function collectNixFiles(path: string, out: string[]): void {
  if (path.startsWith('expr:')) { out.push(path); return; }
  path = resolve(path);
  const st = statSync(path);
  if (st.isFile()) { out.push(path); return; }
  for (const name of readdirSync(path).sort()) {
    const p = join(path, name);
    if (statSync(p).isDirectory()) collectNixFiles(p, out);
    else if (name.endsWith('.nix')) out.push(p);
  }
}

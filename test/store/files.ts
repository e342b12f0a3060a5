// Writes the files of a fixture case into a directory (shared by the test and the generator).

import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CaseFile } from './cases.js';

export function writeCaseFiles(dir: string, files: Record<string, CaseFile> | undefined): void {
  for (const [rel, f] of Object.entries(files ?? {})) {
    const p = join(dir, rel);
    if (typeof f === 'object' && 'dir' in f) {
      mkdirSync(p, { recursive: true });
      continue;
    }
    mkdirSync(dirname(p), { recursive: true });
    if (typeof f === 'string') {
      writeFileSync(p, f);
      chmodSync(p, 0o644);
    } else if ('executable' in f) {
      writeFileSync(p, f.executable);
      chmodSync(p, 0o755);
    } else if ('repeat' in f) {
      writeFileSync(p, f.repeat.repeat(f.count));
      chmodSync(p, 0o644);
    } else if ('base64' in f) {
      writeFileSync(p, Buffer.from(f.base64, 'base64'));
      chmodSync(p, 0o644);
    } else {
      symlinkSync(f.symlink, p);
    }
  }
}

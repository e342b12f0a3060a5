// `nixeval instantiate`: the flags of nix-instantiate, with the same meaning and output.

import { readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { Source } from '../syntax/source.js';
import { parse } from '../syntax/parser.js';
import { showExpr } from '../syntax/show.js';
import { NixError } from '../errors/errors.js';
import { renderError } from '../errors/render.js';
import { checkScopes } from '../compiler/scope.js';

export interface CliIO {
  stdout: { write(chunk: Buffer | string): unknown };
  stderr: { write(chunk: Buffer | string): unknown };
  readStdin(): string;
}

interface Options {
  parseOnly: boolean;
  file?: string;
  exprs: string[];
}

function parseArgs(args: string[]): Options {
  const o: Options = { parseOnly: false, exprs: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--parse') o.parseOnly = true;
    else if (a === '-E' || a === '--expr') o.exprs.push(args[++i]);
    else if (a.startsWith('-') && a !== '-') throw new Error(`unknown flag '${a}'`);
    else o.file = a;
  }
  return o;
}

function writeBytes(stream: CliIO['stdout'], s: string): void {
  stream.write(Buffer.from(s, 'latin1'));
}

export function instantiate(args: string[], io: CliIO): number {
  const opts = parseArgs(args);
  let source: Source;
  if (opts.exprs.length > 0) {
    source = Source.fromUtf8(Source.STRING, opts.exprs[0], process.cwd());
  } else if (opts.file === '-' || opts.file === undefined) {
    source = new Source(Source.STDIN, io.readStdin(), process.cwd());
  } else {
    const path = resolve(opts.file);
    source = new Source(path, readFileSync(path, 'latin1'), dirname(path));
  }
  try {
    const ast = parse(source, { home: process.env.HOME });
    checkScopes(ast, source);
    if (opts.parseOnly) {
      writeBytes(io.stdout, showExpr(ast) + '\n');
      return 0;
    }
    throw new Error('--eval is not implemented yet');
  } catch (e) {
    if (e instanceof NixError) {
      writeBytes(io.stderr, renderError(e));
      return 1;
    }
    throw e;
  }
}

// Compares nixeval's lexer and parser with current Nix's own rules, built apart from Nix:
// `lexer-oracle` (lexer.l's rules) for the token stream (kinds, texts, locations, lexical
// errors), `parser-oracle` (parser.y's grammar, see make-parser-oracle.py)
// for syntax errors (message, and the token at which bison finds the error). Needs bison, flex
// and a C compiler (not in the project's image): a tool for finding differences, not a test.
//
//   python3 make-parser-oracle.py parser.y && bison -o parser-oracle.c parser-oracle.y && cc -o parser-oracle parser-oracle.c
//   flex -o lexer-oracle.c lexer-oracle.l && cc -o lexer-oracle lexer-oracle.c
//
// lexer-oracle.l is not kept here: it is current Nix's lexer.l (its rules and start conditions
// as they are) with each action replaced by printing the token's kind and its begin and end
// offsets (`KIND BEGIN END`, `ERROR BEGIN END MESSAGE`, `EOF BEGIN END`; kinds as ourTokens
// names them), which one writes from the source of the Nix one compares with. Without a
// lexer-oracle in ORACLE_DIR only syntax errors are compared.
//   node compare.mjs DIST ORACLE_DIR [--mutations N] [--soups N] [--seed S] FILE...
//
// DIST: nixeval's dist/ directory; ORACLE_DIR: where the two programs were built. The inputs
// are the files, N mutations of them (a piece cut out, a token put in, the end cut off) and N
// random strings of tokens and odd bytes. Prints the first difference of each kind.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const dist = resolve(args.shift());
const oracles = resolve(args.shift());
let mutations = 0, soups = 0, seed = 1;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--mutations') mutations = Number(args[++i]);
  else if (args[i] === '--soups') soups = Number(args[++i]);
  else if (args[i] === '--seed') seed = Number(args[++i]);
  else files.push(args[i]);
}
const { parse } = await import(join(dist, 'src/syntax/parser.js'));
const { tokenize } = await import(join(dist, 'src/syntax/lexer.js'));
const { Source } = await import(join(dist, 'src/syntax/source.js'));

const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
const pick = (a) => a[Math.floor(rnd() * a.length)];
const texts = files.map((f) => readFileSync(f, 'latin1'));
const snippets = ['{', '}', '(', ')', '[', ']', ';', ':', '=', '.', ',', '?', '@', '...', 'x', 'or', 'in', 'let', 'rec', 'inherit',
  'if', 'then', 'else', 'assert', 'with', '"s"', '"${', "''", "''x''", '${', '1', '1.5', './p', '~/p', '<p>', 'a:b', '+', '-', '*',
  '/', '==', '!=', '<', '>', '<=', '>=', '&&', '||', '->', '//', '++', '!', ' ', '\n', '#c\n', './a/${', './a//b', '$', '\\', "'",
  '\r', '\r\n', '/*', '*/', '\0', '\xc3\xa9', '\t', '~', '.5', '1.', 'e3', '_', '%', '|', '&'];
const inputs = [...texts];
for (let i = 0; i < mutations && texts.length > 0; i++) {
  let t = pick(texts);
  for (let j = 1 + Math.floor(rnd() * 3); j > 0; j--) {
    const p = Math.floor(rnd() * (t.length + 1));
    const r = rnd();
    if (r < 0.3) t = t.slice(0, p) + t.slice(p + Math.floor(rnd() * 8));
    else if (r < 0.8) t = `${t.slice(0, p)} ${pick(snippets)} ${t.slice(p)}`;
    else t = t.slice(0, p);
  }
  inputs.push(t);
}
for (let i = 0; i < soups; i++) {
  let t = '';
  for (let j = 1 + Math.floor(rnd() * 16); j > 0; j--) t += pick(snippets) + (rnd() < 0.5 ? ' ' : '');
  inputs.push(t);
}

// ---- tokens
const PLAIN = new Set(['if', 'then', 'else', 'assert', 'with', 'let', 'in', 'rec', 'inherit', 'or', '...', '==', '!=', '<=', '>=',
  '&&', '||', '->', '//', '++', '${', '{', '}', '"', 'indOpen', 'indClose', 'pathEnd']);
const VALUED = new Set(['id', 'int', 'float', 'path', 'hpath', 'spath', 'uri', 'str', 'indstr']);
function ourTokens(t) {
  const out = [];
  for (const k of tokenize(t)) {
    if (k.type === 'eof') { out.push(`EOF ${k.end}`); break; }
    if (k.type === 'error') { out.push(`ERROR ${k.start} ${String(k.value).split(' ')[0]}`); break; }
    if (k.type === '<|' || k.type === '|>') { out.push(`ERROR ${k.start} pipe`); break; }
    if (VALUED.has(k.type)) out.push(`${k.type} ${k.start} ${JSON.stringify(t.slice(k.start, k.end))}`);
    else if (PLAIN.has(k.type)) out.push(`${k.type} ${k.start}`);
    else out.push(`ch ${k.start} ${t.charCodeAt(k.start)}`);
  }
  return out;
}
const tmp = mkdtempSync(join(tmpdir(), 'syntax-oracle-'));
function oracleTokens(t) {
  const file = join(tmp, 'in.nix');
  writeFileSync(file, Buffer.from(t, 'latin1'));
  const r = spawnSync(join(oracles, 'lexer-oracle'), [file], { encoding: 'latin1', maxBuffer: 1 << 28 });
  const out = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S+) (\d+) (\d+)(?: (.*))?$/.exec(line);
    if (!m) continue;
    const [, k, b, e, rest] = m;
    if (k === 'EOF') { out.push(`EOF ${e}`); break; }
    // The message's first word: "invalid", "path", "pipe".
    if (k === 'ERROR') { out.push(`ERROR ${b} ${(rest ?? '').split(' ')[0]}`); break; }
    if (k === 'ch') out.push(`ch ${b} ${t.charCodeAt(Number(b))}`);
    else if (VALUED.has(k)) out.push(`${k} ${b} ${JSON.stringify(t.slice(Number(b), Number(e)))}`);
    else out.push(`${k} ${b}`);
  }
  return out;
}

// ---- syntax errors
const CODES = { eof: 0, id: 258, str: 259, indstr: 260, int: 261, float: 262, path: 263, hpath: 264, spath: 265, pathEnd: 266,
  uri: 267, if: 268, then: 269, else: 270, assert: 271, with: 272, let: 273, in: 274, rec: 275, inherit: 276, '==': 277, '!=': 278,
  '<=': 279, '>=': 280, '//': 281, '++': 282, '&&': 283, '||': 284, '->': 285, or: 286, '<|': 287, '|>': 288, '${': 289,
  indOpen: 290, indClose: 291, '...': 292 };

const shown = new Set();
function report(kind, what, t, at) {
  const key = `${kind} ${what}`;
  if (shown.has(key)) return;
  shown.add(key);
  const from = Math.max(0, at - 100);
  console.log(`---- ${kind}: ${what}\n     input${from > 0 ? ' (from offset ' + from + ')' : ''}: ${JSON.stringify(t.slice(from, at + 60))}`);
}

let lexSame = 0, lexDiff = 0;
const parseLines = [];
const parseInputs = [];
const hasLexerOracle = existsSync(join(oracles, 'lexer-oracle'));
for (const t of inputs) {
  const b = ourTokens(t);
  const a = hasLexerOracle ? oracleTokens(t) : b;
  let k = 0;
  // PATH_END's own location at the end of the input after a path's first token is never
  // shown (it is never an unexpected token there); a NUL byte in a string is an error in Nix
  // (forceNoNullByte) that the lexer oracle does not model.
  const same = (x, y) => x === y || (x?.startsWith('pathEnd ') && y?.startsWith('pathEnd ') && a[k + 1]?.startsWith('EOF '));
  while (k < a.length && k < b.length && same(a[k], b[k])) k++;
  const nulInString = /^ERROR \d+ input$/.test(b[k] ?? '');
  if ((k === a.length && k === b.length) || nulInString) lexSame++;
  else { lexDiff++; report('tokens', `lexer.l ${a[k]} | nixeval ${b[k]}`, t, Number((a[k] ?? b[k] ?? '0 0').split(' ')[1])); }
  const toks = tokenize(t);
  if (toks.some((x) => x.type === 'error' || x.type === '<|' || x.type === '|>')) continue;
  parseLines.push(toks.map((x) => (x.type === 'invalid' ? t.charCodeAt(x.start) : CODES[x.type] ?? x.type.charCodeAt(0))).join(' '));
  parseInputs.push({ t, toks });
}
rmSync(tmp, { recursive: true, force: true });

const r = spawnSync(join(oracles, 'parser-oracle'), { input: `${parseLines.join('\n')}\n`, encoding: 'utf8', maxBuffer: 1 << 28 });
const answers = r.stdout.trim().split('\n');
let parseSame = 0, parseDiff = 0, notSyntax = 0;
parseInputs.forEach(({ t, toks }, i) => {
  const theirs = answers[i];
  let ours = 'OK';
  try {
    parse(new Source('/oracle/in.nix', t, '/oracle'));
  } catch (e) {
    // Errors of the grammar's actions (duplicate attributes, ...) are not the oracle's.
    if (!/^syntax error/.test(e.message)) { notSyntax++; return; }
    // The token the error is at: where it starts (the end of file: where it ends); an
    // unexpected end of path is at the path piece before it (flex's restored location).
    const off = e.pos.offset;
    let idx = toks.findIndex((x) => x.start === off && x.type !== 'pathEnd' && x.type !== 'eof');
    if (/unexpected end of file/.test(e.message)) idx = toks.findIndex((x) => x.type === 'eof');
    if (/unexpected end of path/.test(e.message)) idx = toks.findIndex((x) => x.type === 'pathEnd');
    ours = `${idx}\t${Buffer.from(e.message, 'latin1').toString('utf8')}`;
  }
  if (theirs === ours) { parseSame++; return; }
  parseDiff++;
  const at = toks[Number(theirs.split('\t')[0])]?.start ?? 0;
  report('syntax error', `parser.y ${JSON.stringify(theirs)} | nixeval ${JSON.stringify(ours)}`, t, at);
});
console.log(JSON.stringify({ inputs: inputs.length, tokens: { same: lexSame, differing: lexDiff }, syntaxErrors: { same: parseSame, differing: parseDiff, notSyntaxErrors: notSyntax } }));

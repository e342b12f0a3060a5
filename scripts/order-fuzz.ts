// Differential fuzzer for evaluation order and laziness: generates random small, well-scoped Nix
// programs with failures planted at random places (`throw "tN"` with a distinct N, failing
// asserts, some never forced), evaluates each with C++ `nix-instantiate` and with nixeval, and
// reports where the outcome differs: the printed value, or which failure fired.
//
// Usage: node dist/scripts/order-fuzz.js [--seed N] [--count N] [--family NAME|all] [--modes LIST]
//          [--out DIR] [--depth N] [--skip RE] [--exprs FILE] [--tiers] [--deep N] [--print]
//
//   --seed N     first program's seed (program i has seed N+i, so any program can be made again)
//   --count N    how many programs (default 200)
//   --family F   general, attrs, lists, functions, strings, laziness, pairs (shallow, failures
//                everywhere), or all (round robin by seed; the default)
//   --depth N    nesting of generated expressions (default 4; pairs at most 2)
//   --modes L    comma-separated of strict, lazy, json, lazyjson (default: all four)
//   --out DIR    where differing programs are written, one file each with both outcomes
//                (default /tmp/orderfuzz-out)
//   --skip RE    leave out programs matching RE
//   --exprs FILE compare these expressions (one a line) instead of generated programs
//   --tiers      compare nixeval's two tiers (compiled, and NIXEVAL_TIER=vm) instead, output and
//                traces byte for byte; C++ Nix is not run (many programs a second)
//   --deep N     run each program under N nested calls (past the compiled tier's depth budget:
//                the program runs in the frame-stack VM, entered from compiled code)
//   --traces P   wrap expressions in `builtins.trace "kN"` with probability P (e.g. 0.05): the
//                order of the traces printed is compared too (the order of evaluation)
//   --print      only print the programs, evaluate nothing
//
// nixeval runs in this process (src/cli/instantiate.ts, as `nixeval instantiate` runs it; the
// tier is NIXEVAL_TIER's), C++ Nix in a child process per program and mode. Outcomes are
// compared as the value printed, or the failure's identity: `tN` for a throw, the condition's
// text for an assertion, and otherwise the error's message core with wording that changed
// since 2.8 mapped to one key (see failureKey).
//
// 2.8 is not current Nix: read each difference against current Nix's source. The generator
// hides the known ones it would hit all the time: `//` (2.8 left operand first; the program
// C++ Nix gets is rewritten, see Gen's compat28), map and filter forcing their function (only
// lambdas there), sort's algorithm (only valid orderings), `[ ]` printed as `<CODE>` by 2.8.
// Others still show up: genList forcing its function for length 0, genericClosure not forcing
// `operator` for an empty startSet, replaceStrings forcing a replacement only when it is used,
// toJSON of a set with outPath without --strict, how an assertion's condition is shown.
// A tool for finding differences, not a test: tests must not need C++ Nix.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { instantiate } from '../src/cli/instantiate.js';
import { errorCore } from './error-core.js';
import { prng } from './prng.js';

// ---------------------------------------------------------------------------------------------
// The generator

type Ty = 'int' | 'bool' | 'str' | 'li' | 'ls' | 'lset' | 'set' | 'fn';
const TYPES: Ty[] = ['int', 'bool', 'str', 'li', 'ls', 'lset', 'set', 'fn'];
/** Attribute names of generated sets (reached through `with` as bare names too). */
const FIELDS = ['a', 'b', 'c', 'd'];

interface Var { name: string; ty: Ty }

type Family = 'general' | 'attrs' | 'lists' | 'functions' | 'strings' | 'laziness' | 'pairs';
const FAMILIES: Family[] = ['general', 'attrs', 'lists', 'functions', 'strings', 'laziness', 'pairs'];

/** Which tags each family favours (their forms are chosen four times as often). */
const FAVOURED: Record<Family, string[]> = {
  general: [],
  attrs: ['attrs'],
  lists: ['lists'],
  functions: ['functions'],
  strings: ['strings'],
  laziness: ['lazy'],
  // Shallow programs, failures everywhere: which of two failing operands of one operation wins.
  pairs: [],
};

type Form = [weight: number, tags: string, make: () => string];

class Gen {
  private readonly rnd: () => number;
  private throws = 0;
  private asserts = 0;
  private traces = 0;
  private vars = 0;
  private readonly favoured: string[];
  /** How often an expression is a throw instead (leaves: two thirds of it). */
  private readonly throwRate: number;
  private readonly pairs: boolean;

  /**
   * `compat28`: the program for C++ Nix 2.8, whose `//` evaluates its left operand first where
   * current Nix evaluates a chain right to left (eval.cc, ExprOpUpdate::evalForUpdate): each
   * `A // B` is written so that 2.8 evaluates (and checks) B before A. The same seed makes the
   * same program otherwise.
   */
  constructor(seed: number, family: Family, private readonly compat28 = false, private readonly traceRate = 0) {
    this.rnd = prng(seed);
    this.favoured = FAVOURED[family];
    this.pairs = family === 'pairs';
    this.throwRate = this.pairs ? 0.25 : 0.06;
  }

  private chance(p: number): boolean { return this.rnd() < p; }
  private int(lo: number, hi: number): number { return lo + Math.floor(this.rnd() * (hi - lo + 1)); }
  private pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.rnd() * xs.length)]!; }
  private fresh(): string { return `v${this.vars++}`; }
  private thr(): string { return `(throw "t${++this.throws}")`; }

  /** `l // r`, as current Nix evaluates it: r first (see compat28). */
  private upd(l: string, r: string): string {
    if (!this.compat28) return `(${l} // ${r})`;
    // l stays first in the text: the parser makes the names in text order (symbol order).
    return `(let __l = ${l}; __r = ${r}; in builtins.seq (__r // { }) (__l // __r))`;
  }

  private choose(forms: Form[]): string {
    let total = 0;
    const ws = forms.map(([w, tags]) => {
      const x = tags.split(' ').some((t) => this.favoured.includes(t)) ? w * 4 : w;
      total += x;
      return x;
    });
    let r = this.rnd() * total;
    for (let i = 0; i < forms.length; i++) {
      r -= ws[i]!;
      if (r < 0) return forms[i]![2]();
    }
    return forms[forms.length - 1]![2]();
  }

  private varOf(ty: Ty, env: Var[]): string | undefined {
    const vs = env.filter((v) => v.ty === ty);
    return vs.length > 0 ? this.pick(vs).name : undefined;
  }

  /** A failing (or, one time in three, holding) assertion condition. */
  private assertion(env: Var[], d: number): string {
    const n = ++this.asserts;
    // Not `==`: current Nix explains a failed `==` assertion instead of naming it.
    if (this.chance(0.5)) return `${n} > ${this.chance(0.66) ? n + 1 : n - 1}`;
    return `${this.gen('bool', Math.min(d, 1), env)} || ${n} > ${n + 1}`;
  }

  /** A program: a few let bindings (some never used, some failing) around an expression. */
  program(depth: number): string {
    const env: Var[] = [];
    const binds: string[] = [];
    const n = this.int(0, 3);
    for (let i = 0; i < n; i++) {
      const ty = this.pick(TYPES);
      const name = this.fresh();
      binds.push(`${name} = ${this.chance(0.2) ? this.thr() : this.gen(ty, depth - 1, env)};`);
      env.push({ name, ty });
    }
    const body = this.gen(this.pick(TYPES), depth, env);
    return binds.length > 0 ? `let ${binds.join(' ')} in ${body}` : body;
  }

  gen(ty: Ty, d: number, env: Var[]): string {
    // Now and then a value of another type: which type error comes first.
    if (this.chance(this.pairs ? 0.08 : 0.02)) ty = this.pick(TYPES);
    if (d <= 0 || this.chance(0.15)) return this.leaf(ty, env);
    if (this.chance(this.throwRate)) return this.thr();
    // A trace: the order of all of them is the order of evaluation, not only its first failure.
    if (this.chance(this.traceRate)) return `(builtins.trace "k${++this.traces}" ${this.gen(ty, d - 1, env)})`;
    if (this.chance(0.03)) return `(assert ${this.assertion(env, d - 1)}; ${this.gen(ty, d - 1, env)})`;
    const e = d - 1;
    const common: Form[] = [
      [3, 'general', () => `(if ${this.gen('bool', e, env)} then ${this.gen(ty, e, env)} else ${this.gen(ty, e, env)})`],
      [5, 'general lazy', () => this.letForm(ty, e, env)],
      [2, 'lazy', () => `(builtins.seq ${this.gen(this.pick(TYPES), e, env)} ${this.gen(ty, e, env)})`],
      [2, 'lazy', () => `(builtins.deepSeq ${this.gen(this.pick(TYPES), e, env)} ${this.gen(ty, e, env)})`],
      [2, 'attrs', () => `(with ${this.gen(this.chance(0.9) ? 'set' : this.pick(TYPES), e, env)}; ${this.gen(ty, e, [...env, ...FIELDS.map((f) => ({ name: f, ty: 'int' as Ty }))])})`],
      [3, 'functions', () => {
        const x = this.fresh(); const xt = this.pick(TYPES);
        return `((${x}: ${this.gen(ty, e, [...env, { name: x, ty: xt }])}) ${this.gen(xt, e, env)})`;
      }],
      [3, 'functions', () => this.formalsCall(ty, e, env)],
      [2, 'lazy', () => {
        const r = this.fresh();
        return `(let ${r} = builtins.tryEval ${this.gen(ty, e, env)}; in if ${r}.success then ${r}.value else ${this.gen(ty, e, env)})`;
      }],
      [1, 'functions', () => {
        const self = this.fresh(); const fix = this.fresh(); const x = this.fresh();
        const fields = this.fieldsOf(e, [...env, { name: self, ty: 'set' }], true);
        const fixed = `(let ${fix} = f: let ${x} = f ${x}; in ${x}; in (${fix} (${self}: ${fields})).${this.pick(FIELDS)})`;
        return ty === 'int' ? fixed : `(builtins.seq ${fixed} ${this.leaf(ty, env)})`;
      }],
      [2, 'attrs', () => `((${this.gen('set', e, env)}).${this.pick(FIELDS)} or ${this.gen(ty, e, env)})`],
      [1, 'general', () => `(builtins.head [ ${this.gen(ty, e, env)} ${this.gen(ty, e, env)} ])`],
      [1, 'lists', () => `(builtins.elemAt [ ${this.gen(ty, e, env)} ${this.gen(ty, e, env)} ] ${this.gen('int', e, env)})`],
    ];
    return this.choose([...common, ...this.specific(ty, e, env)]);
  }

  private letForm(ty: Ty, e: number, env: Var[]): string {
    const n = this.int(1, 3);
    const names: Var[] = [];
    for (let i = 0; i < n; i++) names.push({ name: this.fresh(), ty: this.pick(TYPES) });
    const binds = names.map((v, i) => {
      // Mostly earlier bindings only; sometimes all of them (a cycle: infinite recursion).
      const seen = this.chance(0.1) ? names : names.slice(0, i);
      return `${v.name} = ${this.chance(0.12) ? this.thr() : this.gen(v.ty, e, [...env, ...seen])};`;
    });
    if (this.chance(0.25)) {
      const a = this.pick(FIELDS); const b = this.pick(FIELDS);
      binds.push(`inherit (${this.gen('set', e, env)}) ${a === b ? a : `${a} ${b}`};`);
      names.push({ name: a, ty: 'int' }, { name: b, ty: 'int' });
    }
    return `(let ${binds.join(' ')} in ${this.gen(ty, e, [...env, ...names])})`;
  }

  /** A call of a function with formals (`{ a, b ? D, ... }@args: BODY`) on a set. */
  private formalsCall(ty: Ty, e: number, env: Var[]): string {
    const fs = FIELDS.filter(() => this.chance(0.5));
    const at = this.chance(0.4) ? this.fresh() : undefined;
    const inner: Var[] = [...env, ...fs.map((f) => ({ name: f, ty: 'int' as Ty }))];
    if (at) inner.push({ name: at, ty: 'set' });
    const formals = fs.map((f) => (this.chance(0.4) ? `${f} ? ${this.gen('int', e - 1, inner)}` : f));
    if (this.chance(0.5)) formals.push('...');
    const fn = `{ ${formals.join(', ')} }${at ? `@${at}` : ''}: ${this.gen(ty, e, inner)}`;
    if (this.chance(0.2)) return `(builtins.seq (builtins.functionArgs (${fn})) ${this.gen(ty, e, env)})`;
    return `((${fn}) ${this.gen('set', e, env)})`;
  }

  /** `{ a = ...; ... }` with some of FIELDS (each an int one time in... most times). */
  private fieldsOf(e: number, env: Var[], selfRef = false): string {
    const fs = FIELDS.filter(() => this.chance(0.6));
    const parts = fs.map((f) => {
      const fty: Ty = this.chance(0.8) ? 'int' : this.pick(TYPES);
      let v = this.gen(fty, e, env);
      if (selfRef && this.chance(0.5)) v = `${env[env.length - 1]!.name}.${this.pick(FIELDS)} + ${this.gen('int', e - 1, env)}`;
      return `${f} = ${v};`;
    });
    return `{ ${parts.join(' ')} }`;
  }

  private leaf(ty: Ty, env: Var[]): string {
    const v = this.chance(0.5) ? this.varOf(ty, env) : undefined;
    if (v !== undefined) return v;
    if (this.chance(this.throwRate * 0.66)) return this.thr();
    if (this.pairs && this.chance(0.3)) {
      // A value holding failures.
      switch (ty) {
        case 'li': return `[ ${this.int(0, 3)} ${this.thr()} ${this.int(0, 3)} ]`;
        case 'ls': return `[ "a" ${this.thr()} ]`;
        case 'lset': return `[ { a = 1; } { a = ${this.thr()}; b = ${this.thr()}; } ${this.thr()} ]`;
        case 'set': return this.pick([`{ a = ${this.thr()}; }`, `{ b = 1; a = ${this.thr()}; c = ${this.thr()}; }`, `{ \${${this.thr()}} = 1; }`]);
        case 'str': return `"\${${this.thr()}}"`;
        default: break;
      }
    }
    switch (ty) {
      case 'int': return String(this.int(0, 9));
      case 'bool': return this.pick(['true', 'false']);
      // "zz", "yy", "value": names that sets made at run time (listToAttrs, `${…}`) may have.
      case 'str': return this.pick(['"a"', '"b"', '"ab"', '""', '"x y"', '"zz"', '"yy"', '"value"', '"c"']);
      case 'li': return this.pick(['[ ]', '[ 1 ]', '[ 1 2 3 ]', '[ 3 1 2 ]', '[ 0 5 ]']);
      case 'ls': return this.pick(['[ ]', '[ "a" ]', '[ "b" "a" ]', '[ "a" "b" "c" ]']);
      case 'lset': return this.pick(['[ ]', '[ { a = 1; } ]', '[ { a = 1; b = 2; } { a = 3; } ]', '[ { b = 1; } { a = 2; c = 3; } ]']);
      case 'set': return this.pick(['{ }', '{ a = 1; }', '{ a = 1; b = 2; }', '{ b = 3; c = 4; d = 5; }']);
      case 'fn': return this.pick(['(x: x + 1)', '(builtins.add 2)', '(x: x * 2)', '(x: 0)', '{ __functor = self: x: x + self.n; n = 1; }', '({ a ? 1, ... }@s: s.b or a)']);
    }
  }

  /** Forms that make a value of one type. */
  private specific(ty: Ty, e: number, env: Var[]): Form[] {
    const g = (t: Ty, en: Var[] = env): string => this.gen(t, e, en);
    const lam = (xt: Ty, bt: Ty, mayFail = true): string => {
      if (mayFail && this.chance(0.04)) return this.thr();
      const x = this.fresh();
      return `(${x}: ${this.gen(bt, e, [...env, { name: x, ty: xt }])})`;
    };
    const lam2 = (xt: Ty, yt: Ty, bt: Ty): string => {
      if (this.chance(0.04)) return this.thr();
      const x = this.fresh(); const y = this.fresh();
      return `(${x}: ${y}: ${this.gen(bt, e, [...env, { name: x, ty: xt }, { name: y, ty: yt }])})`;
    };
    /** An attribute name: a literal mostly, sometimes any string expression. */
    const name = (...lits: string[]): string => (this.chance(0.3) ? g('str') : this.pick(lits));
    const anyList = (): Ty => this.pick(['li', 'ls', 'lset'] as Ty[]);
    switch (ty) {
      case 'int': return [
        [4, 'general', () => `(${g('int')} ${this.pick(['+', '-', '*'])} ${g('int')})`],
        [1, 'general', () => `(${g('int')} / ${g('int')})`],
        [2, 'lists', () => `(builtins.length ${g(anyList())})`],
        [2, 'lists', () => `(builtins.head ${g('li')})`],
        [2, 'lists', () => `(builtins.elemAt ${g('li')} ${g('int')})`],
        [3, 'attrs', () => `${g('set')}.${this.pick(FIELDS)}`],
        [3, 'attrs', () => `(${g('set')}.${this.pick(FIELDS)} or ${g('int')})`],
        [1, 'attrs', () => `(${g('set')}.${this.pick(FIELDS)}.${this.pick(FIELDS)} or ${g('int')})`],
        [3, 'functions', () => `(${g('fn')} ${g('int')})`],
        [3, 'lists', () => `(builtins.foldl' ${lam2('int', 'int', 'int')} ${g('int')} ${g('li')})`],
        [1, 'lists', () => `(builtins.foldl' builtins.add ${g('int')} ${g('li')})`],
        [2, 'strings', () => `(builtins.stringLength ${g('str')})`],
        [2, 'attrs', () => `(builtins.length (builtins.attrNames ${g('set')}))`],
        [2, 'attrs', () => `(builtins.getAttr ${name('"a"', '"b"')} ${g('set')})`],
        [1, 'attrs', () => `(builtins.length (builtins.attrValues ${g('set')}))`],
        [1, 'lists', () => `(builtins.length (builtins.genericClosure { startSet = [ { key = ${g('int')}; } ]; operator = item: if item.key < 4 then [ { key = item.key + 1; } ${this.chance(0.3) ? this.thr() : ''} ] else [ ]; }))`],
        [1, 'strings', () => `(builtins.fromJSON (builtins.toJSON ${g('int')}))`],
      ];
      case 'bool': return [
        [3, 'general', () => `(${g('int')} ${this.pick(['==', '!=', '<', '<=', '>', '>='])} ${g('int')})`],
        [2, 'general', () => { const t = this.pick(TYPES.filter((x) => x !== 'fn')); return `(${g(t)} ${this.pick(['==', '!='])} ${g(t)})`; }],
        [1, 'lists', () => `(${g('li')} < ${g('li')})`],
        [1, 'strings', () => `(${g('str')} < ${g('str')})`],
        [3, 'general', () => `(${g('bool')} ${this.pick(['&&', '||', '->'])} ${g('bool')})`],
        [1, 'general', () => `(!${g('bool')})`],
        [3, 'attrs', () => `(${g('set')} ? ${this.pick(FIELDS)})`],
        [1, 'attrs', () => `(${g('set')} ? ${this.pick(FIELDS)}.${this.pick(FIELDS)})`],
        [2, 'attrs', () => `(builtins.hasAttr ${name('"a"', '"c"')} ${g('set')})`],
        [2, 'lists', () => `(builtins.elem ${g('int')} ${g('li')})`],
        [2, 'lists', () => `(builtins.all ${lam('int', 'bool')} ${g('li')})`],
        [2, 'lists', () => `(builtins.any ${lam('int', 'bool')} ${g('li')})`],
        [2, 'lazy', () => `(builtins.${this.pick(['isAttrs', 'isList', 'isInt', 'isString', 'isFunction', 'isBool'])} ${g(this.pick(TYPES))})`],
        [1, 'lazy', () => `(builtins.tryEval ${g(this.pick(TYPES))}).success`],
      ];
      case 'str': return [
        [3, 'strings', () => `(${g('str')} + ${g('str')})`],
        [3, 'strings', () => `"\${${g('str')}}-\${${g('str')}}"`],
        [2, 'strings', () => `(builtins.toString ${g(this.pick(['int', 'str', 'li', 'bool']))})`],
        [2, 'strings', () => `(builtins.toJSON ${g(this.pick(TYPES.filter((x) => x !== 'fn')))})`],
        [2, 'strings', () => `(builtins.concatStringsSep ${g('str')} ${g('ls')})`],
        [2, 'strings', () => `(builtins.replaceStrings ${g('ls')} ${g('ls')} ${g('str')})`],
        [2, 'strings', () => `(builtins.substring ${g('int')} ${g('int')} ${g('str')})`],
        [2, 'lazy', () => `(builtins.typeOf ${g(this.pick(TYPES))})`],
        [1, 'lists', () => `(builtins.head ${g('ls')})`],
        [1, 'strings', () => `(toString (/p + ${g('str')}))`],
        [1, 'strings', () => `"\${{ __toString = self: ${g('str')}; ${this.pick(FIELDS)} = ${g('int')}; }}"`],
        [1, 'strings', () => `(toString { outPath = ${g('str')}; ${this.pick(FIELDS)} = ${g('int')}; })`],
        [1, 'strings', () => `"\${toString ${g('int')}}\${${g('str')}}"`],
      ];
      case 'li': return [
        [3, 'lists', () => `[ ${Array.from({ length: this.int(0, 3) }, () => g('int')).join(' ')} ]`],
        [3, 'lists', () => `(${g('li')} ++ ${g('li')})`],
        [3, 'lists', () => `(map ${lam('int', 'int', false)} ${g('li')})`],
        [3, 'lists', () => `(builtins.filter ${lam('int', 'bool', false)} ${g('li')})`],
        [2, 'lists', () => `(builtins.genList ${lam('int', 'int')} ${this.chance(0.8) ? this.int(0, 4) : `(${g('int')} - 3)`})`],
        [2, 'lists', () => `(builtins.tail ${g('li')})`],
        [3, 'lists', () => `(builtins.sort ${this.pick(['(x: y: x < y)', '(x: y: x > y)', 'builtins.lessThan'])} ${g('li')})`],
        [2, 'lists', () => `(builtins.concatMap ${this.chance(0.5) ? lam('int', 'li') : `(x: [ ${g('int')} x ])`} ${g('li')})`],
        [2, 'lists', () => `(builtins.concatLists [ ${g('li')} ${g('li')} ])`],
        [2, 'attrs', () => `(builtins.attrValues ${g('set')})`],
        [2, 'attrs', () => `(builtins.catAttrs ${name('"a"', '"b"')} ${g('lset')})`],
        [2, 'lists', () => `(builtins.partition ${lam('int', 'bool')} ${g('li')}).${this.pick(['right', 'wrong'])}`],
        // map and filter: 2.8 forces the function only for each element, current Nix first
        // (when the list is not empty): a lambda hides the difference.
        [2, 'functions', () => `(map (x: ${g('fn')} x) ${g('li')})`],
        [1, 'strings', () => `(builtins.fromJSON (builtins.toJSON ${g('li')}))`],
      ];
      case 'ls': return [
        [3, 'lists', () => `[ ${Array.from({ length: this.int(0, 3) }, () => g('str')).join(' ')} ]`],
        [3, 'attrs', () => `(builtins.attrNames ${g('set')})`],
        [2, 'lists', () => `(map builtins.toString ${g('li')})`],
        [2, 'lists', () => `(${g('ls')} ++ ${g('ls')})`],
        [2, 'lists', () => `(builtins.sort builtins.lessThan ${g('ls')})`],
        [1, 'lists', () => `(map ${lam('str', 'str', false)} ${g('ls')})`],
        [1, 'attrs', () => `(builtins.attrNames (builtins.groupBy ${lam('str', 'str')} ${g('ls')}))`],
      ];
      case 'lset': return [
        [3, 'lists', () => `[ ${Array.from({ length: this.int(0, 3) }, () => g('set')).join(' ')} ]`],
        [2, 'lists', () => `(map (x: { a = x; }) ${g('li')})`],
        [2, 'lists', () => `(map ${lam('int', 'set', false)} ${g('li')})`],
        [2, 'lists', () => `(builtins.filter ${lam('set', 'bool', false)} ${g('lset')})`],
        [2, 'lists', () => `(builtins.genericClosure { startSet = ${g('lset')}; operator = ${lam('set', 'lset')}; })`],
        [1, 'lists', () => `(builtins.genericClosure { startSet = [ { key = ${g('int')}; } ]; operator = ${lam('set', 'lset')}; })`],
      ];
      case 'set': return [
        [5, 'attrs', () => this.fieldsOf(e, env)],
        [1, 'attrs', () => `{ type = "derivation"; outPath = ${g('str')}; ${this.pick(FIELDS)} = ${g('int')}; }`],
        [1, 'functions', () => {
          // nixpkgs lib's fix and extends: an overlay on a fixed point.
          const self = this.fresh(); const sup = this.fresh();
          const base = this.fieldsOf(e, [...env, { name: self, ty: 'set' }], true);
          const f = this.pick(FIELDS);
          return `(let fix = f: let x = f x; in x; extends = f: rattrs: self: let super = rattrs self; in ${this.upd('super', 'f self super')}; in fix (extends (${self}: ${sup}: { ${f} = ${sup}.${f} or 0 + ${self}.${this.pick(FIELDS)} or ${g('int')}; }) (${self}: ${base})))`;
        }],
        [1, 'attrs', () => `{ \${${g('str')}} = ${g('int')}; ${this.pick(FIELDS)} = ${g('int')}; }`],
        [1, 'attrs', () => `{ ${this.pick(FIELDS)}.${this.pick(FIELDS)} = ${g('int')}; ${this.pick(FIELDS)}.${this.pick(FIELDS)} = ${g('int')}; }`],
        [2, 'attrs', () => {
          const fs = FIELDS.filter(() => this.chance(0.6));
          const inner = [...env, ...fs.map((f) => ({ name: f, ty: 'int' as Ty }))];
          return `(rec { ${fs.map((f) => `${f} = ${this.gen('int', e, inner)};`).join(' ')} })`;
        }],
        [4, 'attrs', () => { const l = g('set'); return this.upd(l, g('set')); }],
        [3, 'attrs', () => `(builtins.mapAttrs ${lam2('str', 'int', 'int')} ${g('set')})`],
        [2, 'attrs', () => `(builtins.listToAttrs [ ${Array.from({ length: this.int(0, 3) }, () => `{ name = ${this.chance(0.7) ? `"${this.pick(FIELDS)}"` : g('str')}; value = ${g('int')}; }`).join(' ')} ])`],
        [1, 'attrs', () => `(builtins.listToAttrs (map (x: { name = x; value = ${g('int')}; }) ${g('ls')}))`],
        [2, 'attrs', () => `(builtins.intersectAttrs ${g('set')} ${g('set')})`],
        [2, 'attrs', () => `(builtins.removeAttrs ${g('set')} ${g('ls')})`],
        [1, 'attrs', () => `(builtins.zipAttrsWith (n: vs: builtins.length vs) ${g('lset')})`],
        [1, 'attrs', () => `(builtins.zipAttrsWith ${lam2('str', 'li', 'int')} ${g('lset')})`],
        [1, 'attrs', () => `(builtins.mapAttrs (n: builtins.length) (builtins.groupBy ${lam('int', 'str')} ${g('li')}))`],
        [2, 'attrs', () => { const a = this.pick(FIELDS); return `{ inherit (${g('set')}) ${a}; ${a === 'b' ? 'c' : 'b'} = ${g('int')}; }`; }],
        [1, 'attrs', () => { const v = this.varOf('int', env); return v === undefined ? g('set') : `{ inherit ${v}; a = ${g('int')}; }`; }],
        [1, 'functions', () => `(builtins.mapAttrs (n: v: if v then 1 else 0) (builtins.functionArgs ${this.chance(0.5) ? `({ a, b ? ${g('int')} }: a)` : g('fn')}))`],
        [1, 'attrs', () => `(builtins.foldl' (acc: x: ${this.upd('acc', '{ ${x} = builtins.stringLength x; }')}) ${g('set')} ${g('ls')})`],
        [1, 'lists', () => `(builtins.head ${g('lset')})`],
        [1, 'strings', () => `(builtins.fromJSON (builtins.toJSON ${g('set')}))`],
      ];
      case 'fn': return [
        [3, 'functions', () => lam('int', 'int')],
        [2, 'functions', () => `(builtins.add ${g('int')})`],
        [1, 'functions', () => `{ __functor = ${lam2('set', 'int', 'int')}; ${this.pick(FIELDS)} = ${g('int')}; }`],
        [2, 'functions', () => `(x: ${g('fn')} (${g('fn')} x))`],
        [1, 'functions', () => `(builtins.elemAt [ ${g('fn')} ${g('fn')} ] ${g('int')})`],
        [1, 'functions', () => `(${g('set')}.f or ${g('fn')})`],
      ];
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Running and comparing

type Mode = 'strict' | 'lazy' | 'json' | 'lazyjson';
const MODE_FLAGS: Record<Mode, string[]> = {
  strict: ['--eval', '--strict'],
  lazy: ['--eval'],
  json: ['--eval', '--strict', '--json'],
  lazyjson: ['--eval', '--json'],
};

interface Outcome { code: number; stdout: string; stderr: string }

function runNix(flags: string[], expr: string): Outcome {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const r = spawnSync('nix-instantiate', [...flags, '-E', expr], { env, encoding: 'latin1', timeout: 30000, maxBuffer: 1 << 26 });
  return { code: r.error ? -1 : r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function runOurs(flags: string[], expr: string): Outcome {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const sink = (to: Buffer[]) => ({ write: (c: Buffer | string) => { to.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : Buffer.from(c)); } });
  let code: number;
  try {
    code = instantiate([...flags, '-E', expr], { stdout: sink(out), stderr: sink(err), readStdin: () => '' });
  } catch (e) {
    code = -2;
    err.push(Buffer.from(`crash: ${(e as Error).stack}`, 'latin1'));
  }
  return { code, stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString('latin1') };
}

/**
 * Which failure fired, as one key: `throw tN`, `assert COND`, or the message core with wording
 * that changed since 2.8 mapped to one form.
 */
export function failureKey(stderr: string): string {
  const core = errorCore(stderr, /^Did you mean/);
  const first = core.split('\n')[0]!;
  if (/^t\d+$/.test(first)) return `throw ${first}`;
  // An assertion by its condition, or by the generator's distinct `N > N+1` in it: how a
  // condition is shown changed since 2.8 (let bindings sorted by name, inherit shown as such).
  const cond = (c: string): string => `assert ${/__lessThan (\d+) (\d+)\)+$/.exec(c)?.slice(1).join(' < ') ?? c}`;
  const failed = /assertion '(.*)' failed/.exec(core);
  if (failed) return cond(failed[1]!);
  // Current Nix explains a failed `==` assertion; the condition is in the last frame.
  const conds = [...stderr.matchAll(/while evaluating the condition of the assertion '(.*)'/g)];
  if (conds.length > 0 && /is not equal to|^assertion/.test(first)) return cond(conds[conds.length - 1]![1]!);
  let m: RegExpExecArray | null;
  // 2.8's head of an empty list is "list index 0 is out of bounds" (elemAt's message).
  if (/^'(builtins\.)?head' called on an empty list/.test(first)) return 'index 0';
  if (/^'(builtins\.)?tail' called on an empty list/.test(first)) return 'tail of an empty list';
  if ((m = /^list index (-?\d+) is out of bounds/.exec(first)) || (m = /^'builtins.elemAt' called with index (-?\d+)/.exec(first))) return `index ${m[1]}`;
  if ((m = /^attribute '(.*)' (?:missing|required)/.exec(first))) return `missing ${m[1]}`;
  if ((m = /^(?:dynamic )?attribute '(.*)' already defined/.exec(first))) return `duplicate ${m[1]}`;
  if (/^'from' and 'to' arguments .*replaceStrings'? have different lengths/.test(first)) return 'replaceStrings lengths';
  if ((m = /^(?:value is|expected) (?:an? )?(\w+).* while (?:an? )?(\w+)/.exec(first))) return `type ${m[1]} ${m[2]}`;
  if ((m = /^expected (?:an? )?(\w+) but found (?:an? )?(\w+)/.exec(first))) return `type ${m[2]} ${m[1]}`;
  if (/^cannot convert a (function application|thunk) to JSON/.test(first)) return 'json of a thunk';
  if (/infinite recursion/.test(first)) return 'infinite recursion';
  if (/division by zero/.test(first)) return 'division by zero';
  if ((m = /called without required argument '(.*)'/.exec(first))) return `required ${m[1]}`;
  if ((m = /called with unexpected argument '(.*)'/.exec(first))) return `unexpected ${m[1]}`;
  if ((m = /undefined variable '(.*)'/.exec(first))) return `undefined ${m[1]}`;
  if ((m = /^attempt to call something which is not a function but (?:an? )?(\w+)/.exec(first))) return `not a function ${m[1]}`;
  if (/^unknown hash algorithm/.test(first)) return 'unknown hash algorithm';
  if (/^while parsing (a )?TOML/.test(first)) return 'TOML';
  if ((m = /^cannot coerce (?:an? )?(\w+) to a string/.exec(first))) return `coerce ${m[1]}`;
  if ((m = /^cannot compare (?:an? )?(\w+) with (?:an? )?(\w+)/.exec(first))) return `compare ${m[1]} ${m[2]}`;
  return first;
}

/** The value printed, with what 2.8 prints differently from current Nix made the same. */
function normalOut(o: Outcome, mode: Mode): string {
  let s = o.stdout;
  // Current Nix's `[ ]` literal is no thunk (ExprList::maybeThunk): 2.8 shows `<CODE>`.
  if (mode === 'lazy') s = s.replace(/\[ \]/g, '<CODE>');
  if (o.code === 0 && s !== '' && !s.endsWith('\n')) s += '\n';
  return s;
}

interface Difference { mode: Mode; nix: string; ours: string }

/** How C++ Nix's outcomes were spread: value, throw, assert, or another error (per mode run). */
const outcomes = new Map<string, number>();
const otherErrors = new Map<string, number>();

/**
 * nixeval's compiled tier against its frame-stack VM (NIXEVAL_TIER=vm), in this process: the
 * whole output, stderr's traces included, must be byte-identical.
 */
function compareTiers(expr: string, modes: Mode[]): Difference[] {
  const diffs: Difference[] = [];
  const saved = process.env.NIXEVAL_TIER;
  for (const mode of modes) {
    delete process.env.NIXEVAL_TIER;
    const compiled = runOurs(MODE_FLAGS[mode], expr);
    process.env.NIXEVAL_TIER = 'vm';
    const vm = runOurs(MODE_FLAGS[mode], expr);
    const show = (o: Outcome): string => `exit ${o.code}\n${o.stdout}\n${o.stderr}`;
    outcomes.set(compiled.code === 0 ? 'value' : 'error', (outcomes.get(compiled.code === 0 ? 'value' : 'error') ?? 0) + 1);
    if (show(compiled) !== show(vm) || compiled.code === -2) diffs.push({ mode, nix: `compiled: ${show(compiled)}`, ours: `vm: ${show(vm)}` });
  }
  if (saved === undefined) delete process.env.NIXEVAL_TIER; else process.env.NIXEVAL_TIER = saved;
  return diffs;
}

/** `nixExpr`: the program as C++ Nix 2.8 is given it (see Gen's compat28). */
function compare(expr: string, nixExpr: string, modes: Mode[]): Difference[] {
  const diffs: Difference[] = [];
  for (const mode of modes) {
    const nix = runNix(MODE_FLAGS[mode], nixExpr);
    const ours = runOurs(MODE_FLAGS[mode], expr);
    const traces = (o: Outcome): string => {
      const ks = [...o.stderr.matchAll(/^trace: (k\d+)$/gm)].map((m) => m[1]);
      return ks.length > 0 ? ` traces ${ks.join(',')}` : '';
    };
    const describe = (o: Outcome): string => (o.code === 0 ? `value ${normalOut(o, mode).trimEnd()}` : `error ${failureKey(o.stderr)}`) + traces(o);
    const a = describe(nix);
    const kind = a.startsWith('value') ? 'value' : a.split(' ')[1]!;
    const k = ['value', 'throw', 'assert'].includes(kind) ? kind : 'other error';
    outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
    if (k === 'other error') { const o = a.slice(6).replace(/t\d+/g, 'tN'); otherErrors.set(o, (otherErrors.get(o) ?? 0) + 1); }
    const b = describe(ours);
    if (a !== b || ours.code === -2) diffs.push({ mode, nix: `${a}\n${nix.stderr}`, ours: `${b}\n${ours.stderr}` });
  }
  return diffs;
}

function main(): void {
  const argv = process.argv.slice(2);
  let seed = 1, count = 200, family = 'all', depth = 4, out = '/tmp/orderfuzz-out', print = false;
  let skip: RegExp | undefined;
  let exprs: string[] | undefined;
  let tiers = false;
  let deep = 0;
  let traceRate = 0;
  let skipped = 0;
  let modes: Mode[] = ['strict', 'lazy', 'json', 'lazyjson'];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--seed') seed = Number(argv[++i]);
    else if (a === '--count') count = Number(argv[++i]);
    else if (a === '--family') family = argv[++i]!;
    else if (a === '--depth') depth = Number(argv[++i]);
    else if (a === '--modes') modes = argv[++i]!.split(',') as Mode[];
    else if (a === '--out') out = argv[++i]!;
    else if (a === '--print') print = true;
    else if (a === '--tiers') tiers = true;
    else if (a === '--deep') deep = Number(argv[++i]);
    else if (a === '--traces') traceRate = Number(argv[++i]);
    else if (a === '--skip') skip = new RegExp(argv[++i]!);
    else if (a === '--exprs') exprs = readFileSync(argv[++i]!, 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    else throw new Error(`unknown argument ${a}`);
  }
  mkdirSync(out, { recursive: true });
  const perFamily = new Map<string, { run: number; differing: number; failed: number }>();
  const keys = new Map<string, number>();
  if (exprs) count = exprs.length;
  for (let i = 0; i < count; i++) {
    const s = seed + i;
    const fam = exprs ? 'given' : family === 'all' ? FAMILIES[s % FAMILIES.length]! : family as Family;
    const gen = (compat28: boolean): string => new Gen(s, fam as Family, compat28, traceRate).program(fam === 'pairs' ? Math.min(depth, 2) : depth);
    // --deep N: the program runs under N nested calls, past the compiled tier's depth budget.
    const nest = (e: string): string => (deep > 0 ? `let __go = n: if n == 0 then (${e}) else (x: x) (__go (n - 1)); in __go ${deep}` : e);
    const expr = nest(exprs ? exprs[i]! : gen(false));
    const nixExpr = nest(exprs ? exprs[i]! : gen(true));
    if (skip?.test(expr)) { skipped++; continue; }
    if (print) { console.log(`# ${s} ${fam}\n${expr}`); continue; }
    writeFileSync(join(out, 'current.nix'), `# seed ${s} ${fam}\n${expr}\n`);
    const diffs = tiers ? compareTiers(expr, modes) : compare(expr, nixExpr, modes);
    const st = perFamily.get(fam) ?? { run: 0, differing: 0, failed: 0 };
    st.run++;
    if (diffs.length > 0) {
      st.differing++;
      const head = diffs.map((d) => `[${d.mode}] nix: ${d.nix.split('\n')[0]} | nixeval: ${d.ours.split('\n')[0]}`);
      console.log(`=== seed ${s} (${fam})\n${expr}\n${head.join('\n')}`);
      writeFileSync(join(out, `${s}.txt`), `${expr}\n\n${nixExpr === expr ? '' : `as given to C++ Nix:\n${nixExpr}\n\n`}${diffs.map((d) => `### ${d.mode}\n--- nix\n${d.nix}\n--- nixeval\n${d.ours}`).join('\n')}`);
      // 2.8 orders symbols by their address (symbol-table.hh), current Nix by when they were made.
      const symbolOrder = diffs.every((d) => /^error (required|unexpected) /.test(d.nix) && d.ours.startsWith(d.nix.split(' ').slice(0, 2).join(' ')));
      const k = symbolOrder ? 'missing or unexpected argument: another name first (symbol order; 2.8 by address)' : head.map((h) => h.replace(/t\d+/g, 'tN')).join(' / ');
      keys.set(k, (keys.get(k) ?? 0) + 1);
    }
    perFamily.set(fam, st);
  }
  if (print) return;
  console.log(`\nskipped (--skip): ${skipped}\nfamily      run  differing`);
  for (const [f, st] of perFamily) console.log(`${f.padEnd(10)} ${String(st.run).padStart(5)} ${String(st.differing).padStart(9)}`);
  const who = tiers ? "The compiled tier's" : "C++ Nix's";
  console.log(`${who} outcomes (programs x modes): ${[...outcomes].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  if (!tiers) console.log(`C++ Nix's other errors: ${[...otherErrors].sort((x, y) => y[1] - x[1]).slice(0, 12).map(([k, n]) => `${k} ${n}`).join('; ')}`);
  console.log('differences by kind:');
  for (const [k, n] of [...keys].sort((x, y) => y[1] - x[1])) console.log(`${String(n).padStart(5)}  ${k}`);
}

main();

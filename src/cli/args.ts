// Command-line parsing as C++ Nix's legacy commands do it (libutil/args.cc, libmain/shared.cc):
//
// - `-abc` is `-a -b -c`, and `-j4` / `-Ifoo` is `-j 4` / `-I foo` (a letter starts a new
//   flag, anything else is the rest of the word as the previous flag's argument);
// - after `--`, every word is an argument;
// - a flag is looked up among the flags every command has (logging, `--option`, each setting
//   as `--NAME VALUE`, `--NAME`/`--no-NAME` for booleans, `--extra-NAME` for lists) and the
//   command's own; a word starting with `-` that none knows is an error;
// - other words go to the command, in order.
//
// A command registers its flags with `flag`; the settings come from cli/settings.ts.

import { UsageError } from './errors.js';
import type { NixConfig } from './config.js';
import { isAppendable, SETTINGS_BY_NAME } from './settings.js';

export interface Flag {
  /** How many words follow the flag. */
  arity: number;
  handler: (args: string[]) => void;
  /** The experimental feature the flag needs, checked once the whole command line is read. */
  experimentalFeature?: string;
  /**
   * One of the flags the legacy command parses itself (nix-instantiate's `--eval`, `-A`, ...),
   * rather than C++ Nix's flag machinery: a missing argument is reported in getArg's words,
   * and the flag still works after `--` (where the command's parser sees each word alone).
   */
  legacy?: boolean;
}

export class ArgParser {
  private readonly long = new Map<string, Flag>();
  private readonly short = new Map<string, Flag>();
  /** Experimental features the flags used need. */
  private readonly neededFeatures = new Set<string>();

  /** Registers a flag under its long name (without `--`), its aliases and a short letter. */
  flag(longName: string, flag: Flag, options: { short?: string; aliases?: readonly string[] } = {}): this {
    this.long.set(longName, flag);
    for (const a of options.aliases ?? []) this.long.set(a, flag);
    if (options.short !== undefined) this.short.set(options.short, flag);
    return this;
  }

  /**
   * Every setting as a flag (C++ Nix's Config::convertToArgs): `--NAME VALUE`, `--NAME` and
   * `--no-NAME` for a boolean, `--extra-NAME VALUE` for a list. Looked up when a flag is not
   * one of the command's own, rather than registered one by one: a command line names a few.
   * An alias of a boolean setting names its `--no-` flag, as it does in C++ Nix, where that
   * flag is registered last under the same aliases.
   */
  settingFlags(config: NixConfig): this {
    this.fallback = (longName) => {
      const def = SETTINGS_BY_NAME.get(longName);
      const experimentalFeature = def?.experimentalFeature;
      if (def !== undefined) {
        const isAlias = def.name !== longName;
        if (def.kind !== 'bool' && def.kind !== 'deprecated-warn') {
          // An alias of a list names its `--extra-` flag, for the same reason.
          const append = isAlias && isAppendable(def);
          return { arity: 1, experimentalFeature, handler: ([v]) => config.assign(def, v, append) };
        }
        return { arity: 0, experimentalFeature, handler: () => config.assignValue(def, !isAlias) };
      }
      if (longName.startsWith('no-')) {
        const b = SETTINGS_BY_NAME.get(longName.slice(3));
        if (b !== undefined && b.name === longName.slice(3) && (b.kind === 'bool' || b.kind === 'deprecated-warn')) {
          return { arity: 0, experimentalFeature: b.experimentalFeature, handler: () => config.assignValue(b, false) };
        }
      }
      if (longName.startsWith('extra-')) {
        const l = SETTINGS_BY_NAME.get(longName.slice(6));
        if (l !== undefined && l.name === longName.slice(6) && isAppendable(l)) {
          return { arity: 1, experimentalFeature: l.experimentalFeature, handler: ([v]) => config.assign(l, v, true) };
        }
      }
      return undefined;
    };
    return this;
  }

  private lookup(w: string): Flag | undefined {
    if (w.startsWith('--')) return this.long.get(w.slice(2)) ?? this.fallback(w.slice(2));
    return w.length === 2 ? this.short.get(w[1]) : undefined;
  }

  /** Flags found by name when they are not registered (the settings). */
  private fallback: (longName: string) => Flag | undefined = () => undefined;

  /**
   * Reads the command line: flags call their handlers, other words go to `positional` in
   * order. Returns the experimental features the flags used need.
   */
  parse(argv: readonly string[], positional: (word: string) => void): ReadonlySet<string> {
    const words = [...argv];
    let dashDash = false;
    for (let i = 0; i < words.length;) {
      if (!dashDash) expandShortFlags(words, i);
      const w = words[i];
      if (!dashDash && w === '--') {
        dashDash = true;
        i++;
      } else if (dashDash && w.startsWith('-') && w !== '-') {
        // Only the command's own parser sees what follows `--`, one word at a time.
        const flag = this.lookup(w);
        if (flag === undefined || !flag.legacy) throw new UsageError(`unexpected argument '${w}'`);
        if (flag.arity > 0) throw new UsageError(`'${w}' requires an argument`);
        flag.handler([]);
        i++;
      } else if (!dashDash && w.startsWith('-') && w !== '-') {
        const flag = this.lookup(w);
        if (flag === undefined) throw new UsageError(`unrecognised flag '${w}'`);
        const args = words.slice(i + 1, i + 1 + flag.arity);
        if (args.length < flag.arity) {
          throw new UsageError(flag.legacy
            ? `'${w}' requires an argument`
            : `flag '${w}' requires ${flag.arity} argument(s), but only ${args.length} were given`);
        }
        if (flag.experimentalFeature !== undefined) this.neededFeatures.add(flag.experimentalFeature);
        flag.handler(args);
        i += 1 + flag.arity;
      } else {
        positional(w);
        i++;
      }
    }
    return this.neededFeatures;
  }
}

/**
 * `-abc` -> `-a -b -c`, `-j4` -> `-j 4`, in place at `i`. Done word by word as the parser
 * reaches them, so a flag's argument that looks like `-abc` stays as it is.
 */
function expandShortFlags(words: string[], i: number): void {
  const arg = words[i];
  if (arg.length <= 2 || arg[0] !== '-' || arg[1] === '-' || !isAlpha(arg[1])) return;
  const expanded = [`-${arg[1]}`];
  for (let j = 2; j < arg.length; j++) {
    if (isAlpha(arg[j])) {
      expanded.push(`-${arg[j]}`);
    } else {
      expanded.push(arg.slice(j));
      break;
    }
  }
  words.splice(i, 1, ...expanded);
}

function isAlpha(c: string): boolean {
  return /^[A-Za-z]$/.test(c);
}

// The configuration a command line runs with, read as C++ Nix reads it (libutil/configuration.cc,
// libstore/globals.cc): $NIX_CONF_DIR/nix.conf (default /etc/nix), then the user's files
// (NIX_USER_CONF_FILES, or nix/nix.conf under $XDG_CONFIG_HOME (or ~/.config) and each of
// $XDG_CONFIG_DIRS, the most important first), then $NIX_CONFIG, then the command line.
//
// A file is lines of `name = value` (a `#` starts a comment), `include FILE` and
// `!include FILE` (which may be missing). Experimental features are applied before the other
// settings of the same file; `nix-path` from a file is ignored when NIX_PATH is set. A name
// nobody knows is kept, and warned about once the command line has been read.

import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import {
  isAppendable, parseSettingValue, type SettingDef, type SettingValue, SETTINGS_BY_NAME, words,
} from './settings.js';
import { CliError, UsageError } from './errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

export class NixConfig {
  private readonly values = new Map<string, SettingValue>();
  /** Settings given explicitly (C++ Nix's `overridden`). */
  private readonly overridden = new Set<string>();
  /** Names no setting has, with the last value given: warned about after the command line. */
  readonly unknown = new Map<string, string>();

  constructor(private readonly warn: (message: string) => void) {}

  /**
   * C++ Nix's Config::set: a setting (or alias) by name, or `extra-NAME` to append to a
   * list. False when no setting has the name (it is then remembered as unknown).
   */
  set(name: string, value: string): boolean {
    let def = SETTINGS_BY_NAME.get(name);
    let append = false;
    if (def === undefined && name.startsWith('extra-')) {
      def = SETTINGS_BY_NAME.get(name.slice(6));
      if (def !== undefined && !isAppendable(def)) def = undefined;
      append = def !== undefined;
    }
    if (def === undefined) {
      this.unknown.set(name, value);
      return false;
    }
    this.assign(def, value, append);
    return true;
  }

  /** Sets a setting from its value text (as `--NAME VALUE` and `--extra-NAME VALUE` do). */
  assign(def: SettingDef, value: string, append = false): void {
    if (def.experimentalFeature !== undefined && !this.featureEnabled(def.experimentalFeature)) {
      this.warn(`Ignoring setting '${def.name}' because experimental feature '${def.experimentalFeature}' is not enabled`);
      return;
    }
    this.assignValue(def, parseSettingValue(def, value, this.warn), append);
  }

  /** Sets a setting to a value already read (a boolean flag). */
  assignValue(def: SettingDef, v: SettingValue, append = false): void {
    this.overridden.add(def.name);
    if (def.kind === 'deprecated-warn') {
      // warn-short-path-literals: the old spelling of lint-short-path-literals = warn.
      this.warn(`'${def.name}' is deprecated, use 'lint-short-path-literals = ${v ? 'warn' : 'ignore'}' instead`);
      this.values.set(def.name, v);
      if (!this.overridden.has('lint-short-path-literals')) this.values.set('lint-short-path-literals', v ? 'warn' : 'ignore');
      return;
    }
    const old = this.values.get(def.name);
    if (append && Array.isArray(old) && Array.isArray(v)) this.values.set(def.name, [...old, ...v]);
    else this.values.set(def.name, v);
  }

  get(name: string): SettingValue {
    return this.values.get(name);
  }

  bool(name: string, fallback = false): boolean {
    const v = this.values.get(name);
    return typeof v === 'boolean' ? v : fallback;
  }

  list(name: string): string[] {
    const v = this.values.get(name);
    return Array.isArray(v) ? v : [];
  }

  featureEnabled(feature: string): boolean {
    return this.list('experimental-features').includes(feature);
  }

  /** AbstractConfig::applyConfig: one file's (or NIX_CONFIG's) settings. */
  applyConfig(contents: string, path: string, env: Env): void {
    const parsed: [string, string][] = [];
    parseConfigFile(contents, path, parsed);
    const isFeatures = (name: string): boolean => name === 'experimental-features' || name === 'extra-experimental-features';
    for (const [name, value] of parsed) if (isFeatures(name)) this.set(name, value);
    for (const [name, value] of parsed) {
      if (isFeatures(name)) continue;
      // NIX_PATH, when set, wins over the files' nix-path.
      if ((name === 'nix-path' || name === 'extra-nix-path') && env.NIX_PATH !== undefined) continue;
      this.set(name, value);
    }
  }

  /** loadConfFile: the system file, the user's files, then NIX_CONFIG. */
  load(env: Env): void {
    const applyFile = (path: string): void => {
      let text: string;
      try {
        text = readFileSync(path, 'latin1');
      } catch {
        return;
      }
      this.applyConfig(text, path, env);
    };
    applyFile(`${nonEmpty(env.NIX_CONF_DIR) ?? '/etc/nix'}/nix.conf`);
    const userFiles = userConfFiles(env);
    for (let i = userFiles.length - 1; i >= 0; i--) applyFile(userFiles[i]);
    if (env.NIX_CONFIG !== undefined) this.applyConfig(env.NIX_CONFIG, 'NIX_CONFIG', env);
  }

  /** The warnings C++ Nix prints for settings nobody knows, in name order. */
  warnUnknownSettings(): void {
    for (const name of [...this.unknown.keys()].sort()) this.warn(`unknown setting '${name}'`);
  }
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}

/** The user's configuration files, the most important first (nixUserConfFiles). */
function userConfFiles(env: Env): string[] {
  if (env.NIX_USER_CONF_FILES !== undefined) {
    // A ':'-separated list, where an empty element means the current directory.
    return env.NIX_USER_CONF_FILES === '' ? [] : env.NIX_USER_CONF_FILES.split(':').map((p) => (p === '' ? '.' : p));
  }
  const configHome = env.NIX_CONFIG_HOME ?? `${nonEmpty(env.XDG_CONFIG_HOME) ?? `${env.HOME ?? ''}/.config`}/nix`;
  const dirs = [configHome];
  for (const d of (nonEmpty(env.XDG_CONFIG_DIRS) ?? '/etc/xdg').split(':')) if (d !== '') dirs.push(`${d}/nix`);
  return dirs.map((d) => `${d}/nix.conf`);
}

/** parseConfigFiles: `name = value` pairs in order, includes followed. */
function parseConfigFile(contents: string, path: string, out: [string, string][]): void {
  for (const rawLine of contents.split('\n')) {
    const hash = rawLine.indexOf('#');
    const line = hash >= 0 ? rawLine.slice(0, hash) : rawLine;
    const tokens = words(line);
    if (tokens.length === 0) continue;
    if (tokens.length < 2) throw new UsageError(`syntax error in configuration line '${line}' in "${path}"`);
    if (tokens[0] === 'include' || tokens[0] === '!include') {
      if (tokens.length !== 2) throw new UsageError(`syntax error in configuration line '${line}' in "${path}"`);
      const included = resolvePath(dirname(path), tokens[1]);
      if (existsSync(included)) {
        let text: string | undefined;
        try {
          text = readFileSync(included, 'latin1');
        } catch {
          // An included file that cannot be read is skipped, as C++ Nix does.
        }
        if (text !== undefined) parseConfigFile(text, included, out);
      } else if (tokens[0] === 'include') {
        throw new CliError(`file "${included}" included from "${path}" not found`);
      }
      continue;
    }
    if (tokens[1] !== '=') throw new UsageError(`syntax error in configuration line '${line}' in "${path}"`);
    out.push([tokens[0], tokens.slice(2).join(' ')]);
  }
}

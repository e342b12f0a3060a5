// C++ Nix's global settings, as the command line sees them: every setting the `nix` binary
// registers (libstore, libexpr, libfetchers, libflake, libmain, ...), each with the type that
// decides how its value is read, so that `--option NAME VALUE`, `--NAME VALUE`, `--no-NAME`,
// `--extra-NAME`, nix.conf and NIX_CONFIG accept and refuse exactly what C++ Nix does.
//
// Most settings are about building, substituting or the daemon and change nothing for an
// evaluator that never builds: they are read (and their values checked) and then ignored.
// The ones that mean something are read by `evaluationSettings` in cli/config.ts.

import { UsageError } from './errors.js';

/** How a setting's value is read (C++ Nix's BaseSetting<T>::parse for each T). */
export type SettingKind =
  | 'bool' // true/yes/1, false/no/0; flags --NAME and --no-NAME
  | 'int' // an integer with an optional K/M/G/T suffix
  | 'max-jobs' // an integer or `auto`
  | 'string'
  | 'list' // whitespace-separated words; appendable (`extra-NAME`)
  | 'features' // experimental features: a list of known names
  | 'path' // an absolute path, canonicalised; not empty
  | 'optional-path' // the same, or empty for none
  | 'diagnose' // ignore, warn or fatal
  | 'deprecated-warn' // warn-short-path-literals: a boolean that sets lint-short-path-literals
  | 'other'; // read as given (store references, enumerations nixeval has no use for)

export interface SettingDef {
  name: string;
  kind: SettingKind;
  aliases?: readonly string[];
  /** The experimental feature without which the setting is ignored (with a warning). */
  experimentalFeature?: string;
}

const BOOL = [
  'abort-on-warn', 'accept-flake-config', 'allow-dirty', 'allow-dirty-locks', 'allow-import-from-derivation',
  'allow-new-privileges', 'allow-symlinked-store', 'allow-unsafe-native-code-during-evaluation',
  'always-allow-substitutes', 'auto-allocate-uids', 'auto-optimise-store', 'builders-use-substitutes',
  'compress-build-log', 'darwin-log-sandbox-violations', 'debugger-on-trace', 'debugger-on-warn', 'eval-cache',
  'fallback', 'filetransfer-retry-jitter', 'filter-syscalls', 'fsync-metadata', 'fsync-store-paths', 'http2', 'http3',
  'ignore-try', 'impersonate-linux-26', 'keep-build-log', 'keep-derivations', 'keep-env-derivations', 'keep-failed',
  'keep-going', 'keep-outputs', 'nix-shell-always-looks-for-shell-nix', 'nix-shell-shebang-arguments-relative-to-script',
  'preallocate-contents', 'print-missing', 'pure-eval', 'require-drop-supplementary-groups', 'require-sigs',
  'restrict-eval', 'run-diff-hook', 'sandbox-fallback', 'show-trace', 'substitute', 'sync-before-registering',
  'trace-function-calls', 'trace-import-from-derivation', 'trace-verbose', 'trust-tarballs-from-git-forges',
  'use-case-hack', 'use-cgroups', 'use-registries', 'use-sqlite-wal', 'use-xdg-base-directories', 'warn-dirty',
];

const INT = [
  'build-hook-kill-timeout', 'build-poll-interval', 'connect-timeout', 'cores', 'download-buffer-size',
  'download-speed', 'eval-attrset-update-layer-rhs-threshold', 'eval-profiler-frequency',
  'filetransfer-retry-attempts', 'filetransfer-retry-delay', 'filetransfer-retry-delay-rate-limited',
  'filetransfer-retry-max-delay', 'gc-reserved-space', 'http-connections', 'id-count', 'log-lines',
  'max-build-log-size', 'max-call-depth', 'max-free', 'max-silent-time', 'max-substitution-jobs', 'min-free',
  'min-free-check-interval', 'nar-buffer-size', 'narinfo-cache-meta-ttl', 'narinfo-cache-negative-ttl',
  'narinfo-cache-positive-ttl', 'stalled-download-timeout', 'start-id', 'tarball-ttl', 'timeout',
  'warn-large-path-threshold',
];

const STRING = [
  'bash-prompt', 'bash-prompt-prefix', 'bash-prompt-suffix', 'build-users-group', 'builders',
  'commit-lock-file-summary', 'eval-system', 'flake-registry', 'post-build-hook', 'pre-build-hook',
  'sandbox-dev-shm-size', 'system', 'upgrade-nix-store-path-url', 'user-agent-suffix',
];

const LIST = [
  'access-tokens', 'allowed-uris', 'allowed-users', 'build-hook', 'extra-platforms', 'hashed-mirrors', 'ignored-acls',
  'impure-env', 'nix-path', 'sandbox-paths', 'secret-key-files', 'substituters', 'system-features',
  'trusted-public-keys', 'trusted-substituters', 'trusted-users',
];

const OTHER = [
  'allowed-impure-host-deps', 'eval-profile-file', 'eval-profiler', 'external-builders', 'plugin-files', 'sandbox', 'store',
];

const ALIASES: Record<string, readonly string[]> = {
  'commit-lock-file-summary': ['commit-lockfile-summary'],
  'compress-build-log': ['build-compress-log'],
  cores: ['build-cores'],
  fallback: ['build-fallback'],
  'filetransfer-retry-attempts': ['download-attempts'],
  'http-connections': ['binary-caches-parallel-connections'],
  'impersonate-linux-26': ['build-impersonate-linux-26'],
  'keep-build-log': ['build-keep-log'],
  'keep-derivations': ['gc-keep-derivations'],
  'keep-env-derivations': ['env-keep-derivations'],
  'keep-outputs': ['gc-keep-outputs'],
  'max-build-log-size': ['build-max-log-size'],
  'max-jobs': ['build-max-jobs'],
  'max-silent-time': ['build-max-silent-time'],
  'max-substitution-jobs': ['substitution-max-jobs'],
  sandbox: ['build-use-chroot', 'build-use-sandbox'],
  'sandbox-paths': ['build-chroot-dirs', 'build-sandbox-paths'],
  substitute: ['build-use-substitutes'],
  substituters: ['binary-caches'],
  timeout: ['build-timeout'],
  'trusted-public-keys': ['binary-cache-public-keys'],
  'trusted-substituters': ['trusted-binary-caches'],
};

const EXPERIMENTAL: Record<string, string> = {
  'auto-allocate-uids': 'auto-allocate-uids',
  'impure-env': 'configurable-impure-env',
  'allow-dirty-locks': 'flakes',
  'flake-registry': 'flakes',
  'use-registries': 'flakes',
  'accept-flake-config': 'flakes',
  'commit-lock-file-summary': 'flakes',
};

/** C++ Nix's experimental features (libutil/experimental-features.cc). */
export const EXPERIMENTAL_FEATURES: ReadonlySet<string> = new Set([
  'ca-derivations', 'impure-derivations', 'flakes', 'fetch-tree', 'nix-command', 'git-hashing', 'recursive-nix',
  'fetch-closure', 'auto-allocate-uids', 'cgroups', 'daemon-trust-override', 'dynamic-derivations',
  'parse-toml-timestamps', 'read-only-local-store', 'local-overlay-store', 'configurable-impure-env',
  'mounted-ssh-store', 'verified-fetches', 'pipe-operators', 'external-builders', 'blake3-hashes',
]);

function defs(): SettingDef[] {
  const out: SettingDef[] = [];
  const add = (names: string[], kind: SettingKind): void => {
    for (const name of names) out.push({ name, kind, aliases: ALIASES[name], experimentalFeature: EXPERIMENTAL[name] });
  };
  add(BOOL, 'bool');
  add(INT, 'int');
  add(STRING, 'string');
  add(LIST, 'list');
  add(OTHER, 'other');
  add(['max-jobs'], 'max-jobs');
  add(['experimental-features'], 'features');
  add(['netrc-file', 'sandbox-build-dir'], 'path');
  add(['build-dir', 'diff-hook', 'json-log-path', 'ssl-cert-file'], 'optional-path');
  add(['lint-absolute-path-literals', 'lint-short-path-literals', 'lint-url-literals'], 'diagnose');
  add(['warn-short-path-literals'], 'deprecated-warn');
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Every setting, sorted by name. */
export const SETTINGS: readonly SettingDef[] = defs();

/** Settings by name and by alias. */
export const SETTINGS_BY_NAME: ReadonlyMap<string, SettingDef> = new Map(
  SETTINGS.flatMap((d) => [[d.name, d] as const, ...(d.aliases ?? []).map((a) => [a, d] as const)]),
);

/** Whether `extra-NAME` appends to the setting (C++ Nix's isAppendable). */
export function isAppendable(def: SettingDef): boolean {
  return def.kind === 'list' || def.kind === 'features';
}

/** C++ Nix's string2IntWithUnitPrefix: digits with an optional K, M, G or T (powers of 1024). */
export function parseIntWithUnitPrefix(s: string): bigint {
  let multiplier = 1n;
  const last = s.at(-1);
  if (last !== undefined && /[A-Za-z]/.test(last)) {
    const u = last.toUpperCase();
    const shift = { K: 10n, M: 20n, G: 30n, T: 40n }[u];
    if (shift === undefined) throw new UsageError(`invalid unit specifier '${u}'`);
    multiplier = 1n << shift;
    s = s.slice(0, -1);
  }
  if (!/^-?[0-9]+$/.test(s)) throw new UsageError(`'${s}' is not an integer`);
  return BigInt(s) * multiplier;
}

/** The value of a setting, as its type reads it. */
export type SettingValue = boolean | bigint | string | string[] | undefined;

/** Reads a value for a setting, or throws C++ Nix's UsageError for it. */
export function parseSettingValue(def: SettingDef, value: string, warn: (message: string) => void): SettingValue {
  switch (def.kind) {
    case 'bool':
    case 'deprecated-warn':
      if (value === 'true' || value === 'yes' || value === '1') return true;
      if (value === 'false' || value === 'no' || value === '0') return false;
      throw new UsageError(`Boolean setting '${def.name}' has invalid value '${value}'`);
    case 'int':
      try {
        return parseIntWithUnitPrefix(value);
      } catch {
        throw new UsageError(`setting '${def.name}' has invalid value '${value}'`);
      }
    case 'max-jobs':
      if (value === 'auto') return value;
      if (/^-?[0-9]+$/.test(value)) return BigInt(value);
      throw new UsageError(`configuration setting '${def.name}' should be 'auto' or an integer`);
    case 'list':
      return words(value);
    case 'features': {
      const out: string[] = [];
      for (const f of new Set(words(value))) {
        if (EXPERIMENTAL_FEATURES.has(f)) {
          out.push(f);
          // Flakes need fetchTree, so turning one on turns on the other.
          if (f === 'flakes') out.push('fetch-tree');
        } else if (f === 'no-url-literals') {
          warn(`experimental feature '${f}' has been stabilized and renamed; use 'lint-url-literals = fatal' setting instead`);
        } else {
          warn(`unknown experimental feature '${f}'`);
        }
      }
      return out;
    }
    case 'path':
      if (value === '') throw new UsageError(`setting '${def.name}' is a path and paths cannot be empty`);
      return value;
    case 'optional-path':
      return value === '' ? undefined : value;
    case 'diagnose':
      if (value === 'ignore' || value === 'warn' || value === 'fatal') return value;
      throw new UsageError(`option '${def.name}' has invalid value '${value}' (expected 'ignore', 'warn', or 'fatal')`);
    case 'string':
    case 'other':
      return value;
  }
}

/** C++ Nix's tokenizeString on whitespace (space, tab, newline, carriage return). */
export function words(s: string): string[] {
  return s.split(/[ \t\n\r]+/).filter((w) => w !== '');
}

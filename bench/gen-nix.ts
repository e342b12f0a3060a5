// Generates a large Nix file shaped like nixpkgs: a package set whose packages are
// `{ lib, stdenv, fetchurl, ... }:` functions calling `mkDerivation` with the usual
// attributes, shell scripts in indented strings, interpolation, `let`, `with`, `inherit`,
// `//`, comments and paths. The output is deterministic for a given seed and size, and closed
// (every variable is bound), because `nix-instantiate --parse` rejects undefined variables
// and the benchmark feeds it the same file.
//
//   node dist/bench/gen-nix.js BYTES [SEED] > file.nix

import { pathToFileURL } from 'node:url';
import { prng } from '../scripts/prng.js';

const WORDS = [
  'lib', 'core', 'util', 'net', 'xml', 'json', 'http', 'ssl', 'crypt', 'image', 'audio', 'video', 'font', 'gtk',
  'qt', 'py', 'rust', 'go', 'node', 'perl', 'ruby', 'tcl', 'db', 'sql', 'lite', 'fast', 'tiny', 'open', 'free',
  'gnu', 'x11', 'wayland', 'mesa', 'vulkan', 'zip', 'tar', 'compress', 'parse', 'config', 'daemon', 'client',
  'server', 'tools', 'kit', 'view', 'edit', 'term', 'shell', 'mail', 'chat', 'sync', 'backup', 'git', 'hg',
];
const DEPS = [
  'zlib', 'openssl', 'libxml2', 'curl', 'expat', 'libpng', 'libjpeg', 'freetype', 'fontconfig', 'glib', 'gtk3',
  'ncurses', 'readline', 'sqlite', 'libffi', 'pcre2', 'bzip2', 'xz', 'zstd', 'lz4', 'libuv', 'boost', 'icu',
  'gettext', 'libiconv', 'dbus', 'systemd', 'libusb1', 'alsa-lib', 'libpulseaudio', 'python3', 'perl', 'gmp',
];
const NATIVE = ['pkg-config', 'cmake', 'meson', 'ninja', 'autoreconfHook', 'makeWrapper', 'installShellFiles', 'wrapGAppsHook3', 'gettext', 'which'];
const LICENSES = ['mit', 'bsd3', 'gpl2Plus', 'gpl3Only', 'lgpl21Plus', 'asl20', 'mpl20', 'isc', 'zlib', 'unfree'];
const PEOPLE = ['alice', 'bob', 'carol', 'dave', 'eve', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'peggy'];
const PLATFORMS = ['unix', 'linux', 'darwin', 'all'];

/** Everything a package function may take; the top-level function binds them all. */
const SCOPE = [...new Set(['lib', 'stdenv', 'fetchurl', 'fetchFromGitHub', 'fetchpatch', 'callPackage', 'darwin', 'python3Packages', 'buildPythonPackage', ...NATIVE, ...DEPS])];

class Gen {
  private readonly rnd: () => number;
  private readonly out: string[] = [];
  private bytes = 0;

  constructor(seed: number) {
    this.rnd = prng(seed);
  }

  private int(n: number): number {
    return Math.floor(this.rnd() * n);
  }
  private pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  private chance(p: number): boolean {
    return this.rnd() < p;
  }
  private some<T>(xs: readonly T[], max: number): T[] {
    const n = 1 + this.int(max);
    const set = new Set<T>();
    for (let i = 0; i < n; i++) set.add(this.pick(xs));
    return [...set];
  }
  private hash(): string {
    const alphabet = '0123456789abcdfghijklmnpqrsvwxyz';
    let s = '';
    for (let i = 0; i < 52; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
  private version(): string {
    return `${this.int(5)}.${this.int(30)}.${this.int(12)}`;
  }
  private name(i: number): string {
    return `${this.pick(WORDS)}-${this.pick(WORDS)}${i}`;
  }

  emit(s: string): void {
    this.out.push(s);
    this.bytes += s.length;
  }
  size(): number {
    return this.bytes;
  }
  text(): string {
    return this.out.join('');
  }

  private src(pname: string): string {
    if (this.chance(0.5)) {
      return `fetchFromGitHub {
        owner = "${this.pick(PEOPLE)}";
        repo = pname;
        rev = "v\${version}";
        hash = "sha256-${this.hash().slice(0, 43)}=";
      }`;
    }
    const ext = this.pick(['tar.gz', 'tar.xz', 'tar.bz2', 'zip']);
    return `fetchurl {
        url = "https://${this.pick(['ftp.gnu.org/gnu', 'download.example.org', 'releases.example.com/pub'])}/${pname}/\${pname}-\${version}.${ext}";
        sha256 = "${this.hash()}";
      }`;
  }

  private script(deps: string[]): string {
    const lines = [
      'runHook preInstall',
      'mkdir -p $out/bin $out/share/man/man1',
      `install -Dm755 build/${this.pick(WORDS)} $out/bin/`,
      'cp -r share/* $out/share/ || true',
      `for f in $out/bin/*; do`,
      `  wrapProgram "$f" --prefix PATH : \${lib.makeBinPath [ ${deps.slice(0, 2).join(' ')} ]}`,
      'done',
      `substituteInPlace $out/share/${this.pick(WORDS)}.desktop \\\n  --replace-fail "/usr/bin" "$out/bin"`,
      `echo "built \${pname} ''\${version}" > $out/share/VERSION`,
      'runHook postInstall',
    ];
    const n = 3 + this.int(lines.length - 3);
    return lines.slice(0, n).join('\n').replace(/^/gm, '        ');
  }

  pkgFunction(i: number): string {
    const pname = this.name(i);
    const native = this.some(NATIVE, 3);
    // A name may not be both: formals must be distinct.
    const deps = this.some(DEPS.filter((d) => !native.includes(d)), 5);
    const optional = this.chance(0.4) ? this.pick(DEPS.filter((d) => !deps.includes(d) && !native.includes(d))) : undefined;
    const formals = ['lib', 'stdenv', 'fetchurl', 'fetchFromGitHub', ...native, ...deps];
    if (optional) formals.push(`${optional} ? null`);
    const withDarwin = this.chance(0.3);
    if (withDarwin) formals.push('darwin');
    const flags = [
      `"--enable-${this.pick(WORDS)}"`,
      `"--with-${deps[0]}=\${${deps[0]}}"`,
      ...(this.chance(0.5) ? [`(lib.enableFeature doCheck "tests")`] : []),
      ...(this.chance(0.3) ? [`"CFLAGS=-O2 -g \\"-DVERSION=\\\\\\"\${version}\\\\\\"\\""`] : []),
    ];
    const parts: string[] = [];
    parts.push(`  # ${pname}: ${this.pick(['a library', 'command line tools', 'a daemon', 'bindings'])} for ${this.pick(WORDS)} ${this.pick(WORDS)}`);
    parts.push(`  mk${i} = { ${formals.join(', ')}, ... }:`);
    if (this.chance(0.2)) parts.push(`    assert ${optional ? `${optional} != null -> ` : ''}lib.versionAtLeast stdenv.cc.version "4.9";`);
    if (this.chance(0.5)) {
      parts.push('    let');
      parts.push(`      doCheck = stdenv.buildPlatform == stdenv.hostPlatform && !stdenv.isDarwin;`);
      parts.push(`      majorMinor = lib.versions.majorMinor "${this.version()}";`);
      parts.push('    in');
    } else {
      parts.push('    let doCheck = true; majorMinor = "1.0"; in');
    }
    parts.push('    stdenv.mkDerivation (finalAttrs: rec {');
    parts.push(`      pname = "${pname}";`);
    parts.push(`      version = "${this.version()}";`);
    parts.push('');
    parts.push(`      src = ${this.src(pname)};`);
    parts.push('');
    if (this.chance(0.4)) {
      parts.push('      patches = [');
      parts.push(`        ./patches/${pname}/fix-build.patch`);
      parts.push(`        (fetchurl { url = "https://patches.example.org/${pname}-\${majorMinor}.diff"; sha256 = "${this.hash()}"; })`);
      parts.push('      ];');
    }
    parts.push(`      nativeBuildInputs = [ ${native.join(' ')} ];`);
    let inputs = `[ ${deps.join(' ')} ]`;
    if (optional) inputs += ` ++ lib.optional (${optional} != null) ${optional}`;
    if (withDarwin) inputs += ` ++ lib.optionals stdenv.isDarwin (with darwin.apple_sdk.frameworks; [ Security CoreFoundation ])`;
    parts.push(`      buildInputs = ${inputs};`);
    parts.push('');
    parts.push(`      configureFlags = [\n        ${flags.join('\n        ')}\n      ] ++ lib.optionals stdenv.hostPlatform.isStatic [ "--disable-shared" ];`);
    parts.push(`      makeFlags = [ "PREFIX=\${placeholder "out"}" "CC=\${stdenv.cc.targetPrefix}cc" ];`);
    parts.push(`      enableParallelBuilding = ${this.chance(0.8) ? 'true' : 'false'};`);
    parts.push(`      inherit doCheck;`);
    if (this.chance(0.6)) {
      parts.push('');
      parts.push(`      ${this.pick(['postInstall', 'installPhase', 'postPatch', 'preConfigure'])} = ''`);
      parts.push(this.script([...deps, ...native]));
      if (this.chance(0.5)) {
        parts.push(`      '' + lib.optionalString stdenv.isLinux ''`);
        parts.push(`        patchelf --set-rpath "\${lib.makeLibraryPath [ ${deps[0]} ]}:$(patchelf --print-rpath $out/bin/*)" $out/bin/* || true`);
      }
      parts.push(`      '';`);
    }
    if (this.chance(0.3)) {
      parts.push(`      passthru = { tests.version = "\${pname} --version"; updateScript = ./update.sh; } // lib.optionalAttrs (${deps[0]} ? dev) { inherit (${deps[0]}) dev; };`);
    }
    parts.push('');
    parts.push('      meta = with lib; {');
    parts.push(`        description = "${this.pick(['Library', 'Tools', 'Utilities', 'Bindings'])} for ${this.pick(WORDS)} and ${this.pick(WORDS)} (\\"${pname}\\")";`);
    if (this.chance(0.2)) {
      parts.push(`        longDescription = ''`);
      parts.push(`          ${pname} provides ${this.pick(WORDS)} support.`);
      parts.push(`          It is written in C and uses '''${this.pick(WORDS)}''' internally; ''\${not_interpolated} stays.`);
      parts.push(`        '';`);
    }
    parts.push(`        homepage = "https://${this.pick(WORDS)}.example.org/${pname}";`);
    parts.push(`        changelog = "https://github.com/${this.pick(PEOPLE)}/\${pname}/releases/tag/v\${version}";`);
    parts.push(`        license = ${this.chance(0.2) ? `with licenses; [ ${this.some(LICENSES, 2).join(' ')} ]` : `licenses.${this.pick(LICENSES)}`};`);
    parts.push(`        maintainers = with maintainers; [ ${this.some(PEOPLE, 3).join(' ')} ];`);
    parts.push(`        platforms = platforms.${this.pick(PLATFORMS)};`);
    if (this.chance(0.1)) parts.push(`        broken = stdenv.isDarwin && stdenv.isAarch64;`);
    parts.push(`        mainProgram = "${pname.split('-')[0]}";`);
    parts.push('      };');
    parts.push('    });');
    parts.push('');
    return parts.join('\n') + '\n';
  }

  pythonFunction(i: number): string {
    const pname = this.name(i);
    const deps = this.some(['requests', 'six', 'attrs', 'click', 'numpy', 'pytest', 'setuptools', 'wheel'], 4);
    return `  /* python package ${i} */
  py${i} = { lib, buildPythonPackage, python3Packages, fetchurl }:
    buildPythonPackage rec {
      pname = "${pname}";
      version = "${this.version()}";
      format = "${this.pick(['setuptools', 'pyproject', 'wheel'])}";
      src = fetchurl {
        url = "mirror://pypi/\${builtins.substring 0 1 pname}/\${pname}/\${pname}-\${version}.tar.gz";
        hash = "sha256-${this.hash().slice(0, 43)}=";
      };
      propagatedBuildInputs = with python3Packages; [ ${deps.join(' ')} ];
      doCheck = ${this.chance(0.5) ? 'false' : 'true'};
      pythonImportsCheck = [ "${pname.replace(/-/g, '_')}" ];
      meta.license = lib.licenses.${this.pick(LICENSES)};
    };

`;
  }
}

/** A nixpkgs-like package set of at least `size` bytes (ASCII, so bytes = characters). */
export function generateNix(size: number, seed = 1): string {
  const g = new Gen(seed);
  const attrs: string[] = [];
  g.emit(`# Generated by bench/gen-nix.ts (seed ${seed}): a nixpkgs-like package set for parser benchmarks.
{ ${SCOPE.join(', ')}, ... }:

let
  inherit (lib) optional optionals optionalString;
  /* Shared helpers, as in pkgs/top-level. */
  versionOf = p: p.version or "0";
  withTests = drv: drv.overrideAttrs (old: { doCheck = true; passthru = (old.passthru or { }) // { tested = true; }; });

`);
  const tail = `
  recurseForDerivations = true;
  aliases = lib.mapAttrs (n: v: builtins.trace "\${n} is deprecated" v) { old-name = versionOf stdenv; };
}
`;
  // Packages until the whole file, attribute list and tail included, reaches `size`.
  let attrBytes = 0;
  for (let i = 0; g.size() + attrBytes + tail.length + 5 < size; i++) {
    let attr: string;
    if (i % 7 === 6) {
      g.emit(g.pythonFunction(i));
      attr = `  py-${i} = python3Packages.callPackage py${i} { };\n`;
    } else {
      g.emit(g.pkgFunction(i));
      attr = i % 11 === 3 ? `  pkg-${i} = withTests (callPackage mk${i} { });\n` : `  pkg-${i} = callPackage mk${i} { };\n`;
    }
    attrs.push(attr);
    attrBytes += attr.length;
  }
  g.emit('in\n{\n');
  g.emit(attrs.join(''));
  g.emit(tail);
  return g.text();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const size = Number(process.argv[2] ?? 1_000_000);
  const seed = Number(process.argv[3] ?? 1);
  process.stdout.write(generateNix(size, seed));
}

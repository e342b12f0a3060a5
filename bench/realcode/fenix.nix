# nix-community/fenix's toolchains from its generated manifests (data/{stable,beta,nightly}.json,
# read by importJSON) with a stand-in pkgs whose mkDerivation, fetchurl (fixed-output, the
# manifests' hex hashes) and symlinkJoin make real derivations: every component of every
# profile for the build platform, then each target's stable and beta default toolchain and
# nightly profiles, named by drvPath (the derivation's text and hashes: install scripts built by
# optionalString, rpaths with store paths, fixed-output hashes), lib.callPackageWith's override.
# (fromToolchainName and fromToolchainFile read a channel manifest fetched by a derivation:
# import from derivation, left out.)
let
  lib = import <nixpkgs/lib>;
  fake = name: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; };
  strip = a: builtins.removeAttrs a [ "meta" "passthru" ];
  pkgs = {
    inherit lib;
    callPackage = lib.callPackageWith pkgs;
    stdenv = {
      isLinux = true; isDarwin = false;
      buildPlatform.rust.rustcTarget = "x86_64-unknown-linux-gnu";
      cc = { bintools.dynamicLinker = "/lib64/ld-linux-x86-64.so.2"; cc.lib = fake "gcc-lib"; };
      mkDerivation = a: derivation (strip a // {
        name = "${a.pname}-${a.version}"; system = "x86_64-linux"; builder = "/bin/sh";
      }) // { meta = a.meta or { }; inherit (a) pname version; };
    };
    fetchurl = { url, sha256 }: derivation {
      name = baseNameOf url; builder = "builtin:fetchurl"; system = "builtin";
      inherit url; outputHash = sha256; outputHashAlgo = "sha256"; outputHashMode = "flat";
    };
    symlinkJoin = a: derivation (strip a // { system = "x86_64-linux"; builder = "/bin/sh"; }) // a.passthru // { inherit (a) meta paths; };
    zlib = fake "zlib"; curl = fake "curl" // { out = fake "curl-out"; }; makeBinaryWrapper = fake "mbw";
    rustc = fake "rustc-nixpkgs";
  };
  fenix = import <realcode/fenix> { inherit pkgs lib; system = "x86_64-linux"; };
  drvs = t: lib.mapAttrs (n: v: v.drvPath) (lib.filterAttrs (n: v: lib.isDerivation v) t);
  tc = t: t.defaultToolchain.drvPath;
  tomlDir = builtins.toFile "rust-toolchain.toml" ''
    [toolchain]
    channel = "stable"
    profile = "minimal"
    components = [ "rustfmt", "clippy" ]
  '';
in {
  stable = drvs fenix.stable;
  beta = drvs fenix.beta;
  minimal = drvs fenix.minimal;
  complete = drvs fenix.complete;
  combined = (fenix.combine [ fenix.stable.cargo fenix.beta.rustc fenix.minimal.rust-std ]).drvPath;
  withComponents = (fenix.stable.withComponents [ "cargo" "clippy" "rust-src" ]).drvPath;
  targets = builtins.attrNames fenix.targets;
  perTarget = lib.mapAttrs (n: t: {
    stable = if t ? stable then tc t.stable else null;
    beta = if t ? beta then tc t.beta else null;
    nightly = lib.mapAttrs (p: v: v.toolchain.drvPath) (builtins.removeAttrs t [ "stable" "beta" "fromManifest" "fromManifestFile" "toolchainOf" "fromToolchainFile" "fromToolchainName" ]);
  }) fenix.targets;
  overridden = (fenix.stable.cargo.override or null) != null;
  stableDate = fenix.stable.manifest.date;
  profiles = fenix.stable.manifest.profiles;
}

# fenix's withComponents with a component the manifest does not have: lib.attrVals's missing
# attribute inside the toolchain's mapAttrs (stand-in pkgs as in ../fenix.nix, reduced).
let
  lib = import <nixpkgs/lib>;
  fake = name: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; };
  pkgs = {
    inherit lib;
    callPackage = lib.callPackageWith pkgs;
    stdenv = {
      isLinux = true; isDarwin = false;
      buildPlatform.rust.rustcTarget = "x86_64-unknown-linux-gnu";
      cc = { bintools.dynamicLinker = "/ld.so"; cc.lib = fake "gcc-lib"; };
      mkDerivation = a: fake "${a.pname}-${a.version}";
    };
    fetchurl = { url, sha256 }: fake "src";
    symlinkJoin = a: fake a.name;
    zlib = fake "zlib"; curl = fake "curl"; makeBinaryWrapper = fake "mbw"; rustc = fake "rustc";
  };
  fenix = import <realcode/fenix> { inherit pkgs lib; system = "x86_64-linux"; };
in (fenix.stable.withComponents [ "cargo" "rustc-nightly-only" ]).drvPath

# A package set shaped like nixpkgs, for the jobset tests and benchmark: thousands of
# derivations made through callPackage and mkDerivation, overlays, nested sets walked through
# recurseForDerivations (and some not), multi-output and fixed-output derivations, and (with
# `withBroken`) attributes that throw, fail an assertion, abort, recurse forever, or loop until
# their time limit. `sizes` sets how many packages each generated family has.
{ system ? "x86_64-linux"
, sizes ? { }
, withBroken ? true
, overlays ? [ ]
}:
let
  lib = import ./lib.nix;
  sizes' = { libraries = 800; python = 600; haskell = 500; perl = 200; kernelModules = 60; } // sizes;
  allPackages = import ./top-level.nix { inherit lib system; sizes = sizes'; };
  defaultOverlays = [ (import ./overlays/versions.nix) (import ./overlays/extra-tools.nix) ]
    ++ lib.optional withBroken (import ./overlays/broken.nix);
in
lib.fix (lib.extends (lib.composeManyExtensions (defaultOverlays ++ overlays)) allPackages)

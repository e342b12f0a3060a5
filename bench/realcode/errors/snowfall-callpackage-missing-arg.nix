# A Snowfall user lib file asking for an argument mkLib does not give: lib.callPackageWith's
# "Function called without required argument" with the function's position
# (unsafeGetAttrPos over functionArgs) and its "did you mean" list.
let
  nixpkgs = { lib = import <nixpkgs/lib>; };
  src = builtins.toFile "unused" "";
  lib = nixpkgs.lib;
in (lib.callPackageWith { lib = lib; inputs = { }; namespace = "x"; snowfall-inputs = { }; }
  (import ../fixtures/snowfall-bad-lib.nix) { }).value

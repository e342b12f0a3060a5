# Home Manager: a dagOf option given a value of the wrong type inside an entry (its types-dag error).
let
  lib = import <realcode/home-manager/modules/lib/stdlib-extended.nix> (import <nixpkgs/lib>);
in (lib.evalModules { modules = [ {
  options.d = lib.mkOption { type = lib.hm.types.dagOf lib.types.int; };
  config.d = { a = lib.hm.dag.entryAfter [ "b" ] "x"; b = 1; };
} ]; }).config.d

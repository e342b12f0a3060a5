# nixvim's tests/lib-tests.nix (lib.runTests over toLuaObject, the Lua and Vimscript escapers,
# mkLuaConfig, assertions and warnings, ...) with nixpkgs lib extended by its lib/overlay.nix.
# The tests that evaluate a whole Nixvim configuration (evalNixvim: plugins need real pkgs) are
# left out; writeText is a derivation made with builtins.derivation; runCommandLocal gives back
# its name and the failures' text, so a failing test shows in the output.
let
  src = <realcode/nixvim>;
  nixpkgsLib = import <nixpkgs/lib>;
  lib0 = nixpkgsLib.extend (import (src + "/lib/overlay.nix"));
  needsPkgs = name: builtins.match "testMkNeovimPlugin.*" name != null;
  lib = lib0 // {
    runTests = tests: lib0.runTests (lib0.filterAttrs (n: _: !needsPkgs n) tests);
  };
  writeText = name: text: derivation { inherit name text; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "echo \"$text\" > $out" ]; };
  runCommandLocal = name: env: script: { inherit name script; results = env.results or null; };
in
import (src + "/tests/lib-tests.nix") {
  helpers = lib.nixvim;
  inherit lib writeText runCommandLocal;
  pkgs = { inherit lib writeText runCommandLocal; };
}

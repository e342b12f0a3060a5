# git-hooks.nix: two hooks ordered before each other (its toposort's cycle, thrown with lib.generators.toPretty).
let
  lib = import <nixpkgs/lib>;
  fake = name: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; } // { meta.mainProgram = name; };
  project = lib.evalModules { modules = [
    <realcode/git-hooks.nix/modules/all-modules.nix>
    {
      _module.args.pkgs = { inherit lib; pre-commit = fake "pre-commit"; gitMinimal = fake "git"; jq = fake "jq"; runCommand = n: e: s: fake n; };
      tools = { };
      rootSrc = ./.;
      hooks.a = { enable = true; entry = "a"; before = [ "b" ]; };
      hooks.b = { enable = true; entry = "b"; before = [ "a" ]; };
    }
  ]; };
in project.config.rawConfig

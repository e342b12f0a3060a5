# git-hooks.nix: a removed option set (mkRemovedOptionModule's assertion message, thrown by the
# driver as git-hooks' own run.nix does through its assertions).
let
  lib = import <nixpkgs/lib>;
  project = lib.evalModules { modules = [
    <realcode/git-hooks.nix/modules/all-modules.nix>
    {
      _module.args.pkgs = let fake = name: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; } // { pname = name; meta.mainProgram = name; }; in { inherit lib; pre-commit = fake "pre-commit"; gitMinimal = fake "git"; };
      tools = { };
      rootSrc = ./.;
      settings.yamllint.relaxed = true;
    }
  ]; };
  failed = map (a: a.message) (builtins.filter (a: !a.assertion) project.config.assertions);
in if failed == [ ] then "no assertion failed" else throw (builtins.concatStringsSep "\n" failed)

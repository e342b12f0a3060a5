# cachix/devenv's module tree (src/modules/top-level.nix: 58 languages, 43 services,
# integrations, process managers, tasks, containers, ... found by readDir) through
# lib.evalModules with class "devenv" and a stand-in pkgs (fake packages and writers), and every
# visible option of lib.optionAttrSetToDocList with its name, type description, description and
# declarations (an option whose rendering throws listed as failed, in both evaluators); then a
# small configuration's env, enterShell-independent values: languages and services that are
# off give nothing, so the option list is most of the work.
let
  lib = import <nixpkgs/lib>;
  pkgs = import ./fixtures/devenv-pkgs.nix lib;
  r = lib.evalModules {
    class = "devenv";
    modules = [ <realcode/devenv/src/modules/top-level.nix> { _module.args.pkgs = lib.mkForce pkgs; _module.check = false; } ];
    specialArgs = { inputs = { }; };
  };
  docs = lib.optionAttrSetToDocList r.options;
  one = o: let t = builtins.tryEval (builtins.deepSeq [ o.name o.type o.description o.declarations ] { inherit (o) name type description declarations; }); in if t.success then t.value else { failed = o.name or "?"; };
in map one (builtins.filter (o: o.visible or true) docs)

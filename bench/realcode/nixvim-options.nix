# nixvim's whole module tree (modules/top-level: 508 plugins, colorschemes, lsp, ...) evaluated
# by lib.nixvim.modules.evalNixvim with a stand-in pkgs (a few writers and fake packages; its
# nixpkgs.pkgs set so no Nixpkgs is imported), and every visible option of
# lib.optionAttrSetToDocList (55,034) with its name, type description, description and
# declarations: the module system at the size of a real configuration's documentation.
let
  src = <realcode/nixvim>;
  lib = (import <nixpkgs/lib>).extend (import (src + "/lib/overlay.nix"));
  fake = name: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; } // { pname = name; version = "1.0"; meta.mainProgram = name; };
  pkgs = { inherit lib; writeShellApplication = a: fake a.name; writeText = n: _: fake n; writeTextFile = a: fake a.name; symlinkJoin = a: fake a.name; runCommand = n: _: _: fake n; runCommandLocal = n: _: _: fake n; writeShellScript = n: _: fake n; writeShellScriptBin = n: _: fake n; neovim-unwrapped = fake "neovim"; vimPlugins = { }; wrapNeovimUnstable = _: _: fake "nvim"; neovimUtils = { makeNeovimConfig = a: a; }; buildEnv = a: fake a.name; appendOverlays = _: pkgs; stdenv.hostPlatform = lib.systems.elaborate "x86_64-linux"; stdenv.buildPlatform = lib.systems.elaborate "x86_64-linux"; system = "x86_64-linux"; };
  r = lib.nixvim.modules.evalNixvim { modules = [ { _module.args.pkgs = lib.mkForce pkgs; nixpkgs.pkgs = pkgs; _module.check = false; } ]; };
  docs = lib.optionAttrSetToDocList r.options;
  # An option whose rendering throws is listed as failed (2 of them, in both evaluators).
  one = o: let t = builtins.tryEval (builtins.deepSeq [ o.name o.type o.description o.declarations ] { inherit (o) name type description declarations; }); in if t.success then t.value else { failed = o.name or "?"; };
in map one (builtins.filter (o: o.visible or true) docs)

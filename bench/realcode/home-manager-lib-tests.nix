# Home Manager's library tests (tests/lib/{types,generators,deprecations}) evaluated with the
# module system against a stub of the few options they set (home.file, nmt.script, assertions,
# test.asserts), nixpkgs lib extended by modules/lib/stdlib-extended.nix, and a pkgs of
# writeText only. Each test gives the text of its home files, its nmt script, its failed
# assertions and warnings.
let
  src = <realcode/home-manager>;
  nixpkgsLib = import <nixpkgs/lib>;
  lib = import (src + "/modules/lib/stdlib-extended.nix") nixpkgsLib;
  pkgs = {
    inherit lib;
    writeText = name: text: text;
    formats = { };
  };
  stub = { lib, ... }: {
    options = {
      home.file = lib.mkOption {
        type = lib.types.attrsOf (lib.types.submodule { options = {
          text = lib.mkOption { type = lib.types.nullOr lib.types.lines; default = null; };
          source = lib.mkOption { type = lib.types.nullOr lib.types.path; default = null; };
        }; });
        default = { };
      };
      home.stateVersion = lib.mkOption { type = lib.types.str; default = "25.11"; };
      nmt.script = lib.mkOption { type = lib.types.lines; default = ""; };
      assertions = lib.mkOption { type = lib.types.listOf lib.types.unspecified; default = [ ]; };
      warnings = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
      test.asserts = lib.mkOption { type = lib.types.attrsOf lib.types.anything; default = { }; };
    };
  };
  run = name: file:
    let
      r = builtins.tryEval (
        let
          cfg = (lib.evalModules { modules = [ stub file ]; specialArgs = { inherit pkgs; }; }).config;
          text = builtins.mapAttrs (n: f: f.text) cfg.home.file;
        in builtins.deepSeq [ text cfg.nmt.script ] {
          files = text;
          script = cfg.nmt.script;
          failedAssertions = map (a: a.message) (builtins.filter (a: !a.assertion) cfg.assertions);
          inherit (cfg) warnings;
        });
    in if r.success then r.value else { failed = true; };
  suite = dir: builtins.mapAttrs run (import (src + "/tests/lib/${dir}"));
in {
  types = suite "types";
  generators = suite "generators";
  deprecations = suite "deprecations";
}

# treefmt-nix: an option that does not exist ("Did you mean ...", with the definition's file).
let
  lib = import <nixpkgs/lib>;
  tf = import <realcode/treefmt-nix>;
  pkgs = { inherit lib; formats.toml = _: { type = lib.types.attrsOf lib.types.anything; generate = name: v: builtins.toJSON v; }; };
in (tf.evalModule pkgs { programs.nixfmtt.enable = true; }).config.settings.formatter

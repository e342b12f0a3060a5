# treefmt-nix: an option renamed by mkRenamedOptionModule (settings.global.excludes): the warning,
# then a definition of the wrong type through the new name (the error names the old file).
let
  lib = import <nixpkgs/lib>;
  tf = import <realcode/treefmt-nix>;
  pkgs = { inherit lib; formats.toml = _: { type = lib.types.attrsOf lib.types.anything; generate = name: v: builtins.toJSON v; }; };
in (tf.evalModule pkgs { settings.global.excludes = [ "a" 1 ]; }).config.settings.excludes

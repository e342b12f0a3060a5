# treefmt-nix: a definition of the wrong type (the module system's type error, with the file of the definition).
let
  lib = import <nixpkgs/lib>;
  tf = import <realcode/treefmt-nix>;
  pkgs = { inherit lib; nixfmt = derivation { name = "nixfmt"; system = "x86_64-linux"; builder = "/bin/sh"; } // { meta.mainProgram = "nixfmt"; };
    formats.toml = _: { type = lib.types.attrsOf lib.types.anything; generate = name: v: builtins.toJSON v; }; };
in (tf.evalModule pkgs { programs.nixfmt.enable = true; programs.nixfmt.width = "wide"; }).config.settings.formatter.nixfmt

# A Colmena node with a key that sets both text and keyFile: modules.nix's assertionModule's
# message is forced, and it names `name`, which no scope binds but its file's `with builtins;`
# (looked up there when the message is made: "undefined variable 'name'"). Stand-in nixpkgs as
# in ../colmena.nix.
let
  lib = import <nixpkgs/lib>;
  hive = import <realcode/colmena/src/nix/hive/eval.nix> {
    rawHive = {
      meta.nixpkgs = { inherit lib; path = ../fixtures/colmena-nixpkgs; system = "x86_64-linux"; overlays = [ ]; config = { }; };
      host = { deployment.keys.both = { text = "a"; keyFile = ../fixtures/snowfall-user/lib/README.md; }; };
    };
  };
in hive.toplevel.host.drvPath

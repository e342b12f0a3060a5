# Snowfall Lib's split-file-extension on a name without an extension: its assertMsg's throw,
# reached through get-file-name-without-extension.
let
  nixpkgs = { lib = import <nixpkgs/lib>; };
  l = import <realcode/snowfall-lib/snowfall-lib> {
    inherit nixpkgs; flake-utils-plus = { lib = { }; }; src = <realcode/snowfall-lib>;
  } { inputs = { self = { }; }; src = "/tmp"; };
in [ (l.snowfall.path.get-file-name-without-extension "a/b.nix") (l.snowfall.path.split-file-extension "a/noext") ]

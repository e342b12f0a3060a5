# builtins.fromTOML over every .toml file and Cargo.lock of the fetched projects (crane's test
# crates, Home Manager's tests, rust-overlay, ...: 493 files of real TOML), found by walking
# builtins.readDir; those that do not parse are in `refused` (each file was also read by itself
# in both evaluators: the only other differences are 2.8's, floats printed `1` for 1.0 and
# \u000c for \f by its toJSON).
let
  lib = import <nixpkgs/lib>;
  root = <realcode>;
  refused = map (p: toString root + "/" + p) [
    # not TOML: both refuse them
    "crane/checks/simple-with-extra-invalid-cargo-toml/invalid/Cargo.toml"
    "home-manager/tests/modules/programs/swayr/basic-configuration.toml"
    # "\u0000" in a string: current Nix (forceNoNullByte) and nixeval refuse it, 2.8 cuts the string
    "home-manager/tests/modules/programs/alacritty/settings-toml-expected.toml"
  ];
  walk = dir: lib.concatLists (lib.mapAttrsToList (name: type:
    let p = "${dir}/${name}"; in
    if type == "directory" then walk p
    else if type == "regular" && (lib.hasSuffix ".toml" name || name == "Cargo.lock") && !(builtins.elem p refused) then [ p ]
    else [ ]) (builtins.readDir dir));
  files = builtins.filter (p: !(lib.hasInfix "/niv-fixture/" p)) (walk (toString root));
in builtins.listToAttrs (map (p: { name = lib.removePrefix (toString root + "/") p; value = builtins.fromTOML (builtins.readFile p); }) files)

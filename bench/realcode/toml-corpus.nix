# builtins.fromTOML over every .toml file and Cargo.lock of the fetched projects (crane's test
# crates, rust-overlay, treefmt-nix, ...: 491 files of real TOML), found by walking
# builtins.readDir. The files both evaluators refuse are listed in `refused`, read apart.
let
  lib = import <nixpkgs/lib>;
  root = <realcode>;
  refused = [ ];
  walk = dir: lib.concatLists (lib.mapAttrsToList (name: type:
    let p = "${dir}/${name}"; in
    if type == "directory" then walk p
    else if type == "regular" && (lib.hasSuffix ".toml" name || name == "Cargo.lock") && !(builtins.elem p refused) then [ p ]
    else [ ]) (builtins.readDir dir));
  files = builtins.filter (p: !(lib.hasInfix "/niv-fixture/" p)) (walk (toString root));
in builtins.listToAttrs (map (p: { name = lib.removePrefix (toString root + "/") p; value = builtins.fromTOML (builtins.readFile p); }) files)

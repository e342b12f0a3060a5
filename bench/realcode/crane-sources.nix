# crane's source cleaning over its checks' crates: cleanCargoSource (nixpkgs lib's
# cleanSourceWith and cleanSource under crane's filterCargoSources: builtins.path with a
# filter): each crate's store path and the files kept (readDir of the store path the evaluation
# made). crane's lib.fileset sets are not here: nixpkgs lib's fileset needs
# builtins.readFileType, which 2.8 does not have.
# nix-instantiate needs --read-write-mode (readDir of a store path it copied).
let
  src = <realcode/crane>;
  lib = import <nixpkgs/lib>;
  call = f: args: let fn = import f; in fn (builtins.intersectAttrs (builtins.functionArgs fn) ({ inherit lib; } // self) // args);
  self = rec {
    internalCrateNameFromCargoToml = call (src + "/lib/internalCrateNameFromCargoToml.nix") { };
    internalCrateNameForCleanSource = call (src + "/lib/internalCrateNameForCleanSource.nix") { };
    filterCargoSources = call (src + "/lib/filterCargoSources.nix") { };
    cleanCargoSource = call (src + "/lib/cleanCargoSource.nix") { };
  };
  listing = dir: lib.mapAttrs (n: t: if t == "directory" then listing "${dir}/${n}" else t) (builtins.readDir dir);
  checks = lib.filterAttrs (n: t: t == "directory") (builtins.readDir (src + "/checks"));
  perCrate = name: _:
    let
      dir = src + "/checks/${name}";
      cleaned = self.cleanCargoSource dir;
    in {
      cleaned = { path = "${cleaned}"; files = listing "${cleaned}"; };
    };
in builtins.mapAttrs perCrate checks

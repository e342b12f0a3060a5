# crane's pure lib functions over its own checks/ crates: crateNameFromCargoToml (with its
# warnings and placeholders where a crate has no name), findCargoFiles (readDir walk),
# cleanCargoToml with the conservative and aggressive filters, and urlForCargoPackage of every
# registry package of every Cargo.lock (registryFromDownloadUrl, crates.io's registry).
# Crates whose Cargo.toml fromTOML refuses are left out (the list below).
let
  src = <realcode/crane>;
  lib = import <nixpkgs/lib>;
  call = f: args: let fn = import f; in fn (builtins.intersectAttrs (builtins.functionArgs fn) ({ inherit lib; } // self) // args);
  self = rec {
    internalCrateNameFromCargoToml = call (src + "/lib/internalCrateNameFromCargoToml.nix") { };
    crateNameFromCargoToml = call (src + "/lib/crateNameFromCargoToml.nix") { };
    findCargoFiles = call (src + "/lib/findCargoFiles.nix") { };
    internalPercentDecode = call (src + "/lib/internalPercentDecode.nix") { };
    filters = {
      cargoTomlAggressive = call (src + "/lib/filters/cargoTomlAggressive.nix") { };
      cargoTomlConservative = call (src + "/lib/filters/cargoTomlConservative.nix") { };
      cargoTomlDefault = filters.cargoTomlConservative;
    };
    cleanCargoToml = call (src + "/lib/cleanCargoToml.nix") { };
    registryFromDownloadUrl = call (src + "/lib/registryFromDownloadUrl.nix") { };
    crateRegistries = registryFromDownloadUrl {
      dl = "https://static.crates.io/crates";
      indexUrl = "https://github.com/rust-lang/crates.io-index";
    } // registryFromDownloadUrl { dl = "https://dl.example.org/api/v1/crates/{crate}/{lowerprefix}/{sha256-checksum}"; indexUrl = "sparse+https://index.example.org/"; registryPrefix = "sparse+"; };
    urlForCargoPackage = call (src + "/lib/urlForCargoPackage.nix") { };
  };
  refused = [ "simple-with-extra-invalid-cargo-toml" ];
  checks = lib.filterAttrs (n: t: t == "directory" && !(builtins.elem n refused) && builtins.pathExists (src + "/checks/${n}/Cargo.toml")) (builtins.readDir (src + "/checks"));
  perCrate = name: _:
    let dir = src + "/checks/${name}"; lock = dir + "/Cargo.lock"; in {
      crateName = self.crateNameFromCargoToml { src = dir; };
      files = builtins.mapAttrs (_: map (lib.removePrefix (toString src))) (self.findCargoFiles dir);
      conservative = self.cleanCargoToml { cargoToml = dir + "/Cargo.toml"; };
      aggressive = self.cleanCargoToml { cargoToml = dir + "/Cargo.toml"; cleanCargoTomlFilter = self.filters.cargoTomlAggressive; };
      urls = if builtins.pathExists lock
        then map (p: (self.urlForCargoPackage p).url)
          (builtins.filter (p: p ? source && p ? checksum && lib.hasPrefix "registry+" p.source) ((builtins.fromTOML (builtins.readFile lock)).package or [ ]))
        else null;
    };
in {
  crates = builtins.mapAttrs perCrate checks;
  decoded = map self.internalPercentDecode [ "a%20b%2Fc" "%7Bcrate%7D" "100%25" "plain" ];
  sparse = (self.urlForCargoPackage { name = "serde"; version = "1.0.0"; source = "sparse+https://index.example.org/"; checksum = "abc"; }).url;
}

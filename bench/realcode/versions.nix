# Version strings of real projects through the version builtins: every version of the
# Cargo.lock files of crane's checks and of rust-overlay's stable and beta manifests, and every
# require of gomod2nix's go.mod files: sorted by builtins.compareVersions, split by
# builtins.splitVersion, and `name-version` strings made of them through builtins.parseDrvName;
# lib.versions' major/minor/patch and versionOlder over the same.
let
  lib = import <nixpkgs/lib>;
  root = toString <realcode>;
  walk = dir: lib.concatLists (lib.mapAttrsToList (name: type:
    let p = "${dir}/${name}"; in
    if type == "directory" then walk p else if type == "regular" then [ p ] else [ ]) (builtins.readDir dir));
  lockVersions = lib.concatMap (f: map (p: p.version) ((builtins.fromTOML (builtins.readFile f)).package or [ ]))
    (builtins.filter (lib.hasSuffix "/Cargo.lock") (walk "${root}/crane/checks"));
  rust = import <realcode/rust-overlay/manifests/stable> // import <realcode/rust-overlay/manifests/beta>;
  rustVersions = map (v: v.v or v) (builtins.attrValues (removeAttrs rust [ "latest" ]));
  goVersions = lib.concatMap (f: map (l: builtins.elemAt l 1) (builtins.filter (l: l != null)
      (map (builtins.match "[ \t]*([^ \t]+) (v[^ ]+).*") (lib.splitString "\n" (builtins.readFile f)))))
    (builtins.filter (lib.hasSuffix "/go.mod") (walk "${root}/gomod2nix"));
  all = lib.unique (lockVersions ++ rustVersions ++ goVersions ++ [ "1.0pre1" "1.0" "1.0.0" "1.0a" "1.0-rc1" "2.4pre20201205_dirty" "" "0" "1..2" "1.2.3.4.5" ]);
  sorted = builtins.sort (a: b: builtins.compareVersions a b < 0) all;
in {
  count = builtins.length all;
  inherit sorted;
  split = map builtins.splitVersion sorted;
  drvNames = map (v: builtins.parseDrvName "pkg-name-${v}") sorted;
  parts = map (v: [ (lib.versions.major v) (lib.versions.majorMinor v) ]) (builtins.filter (v: builtins.match "[0-9]+\\.[0-9]+.*" v != null) sorted);
  older = lib.zipListsWith lib.versionOlder sorted (lib.drop 1 sorted);
  ties = builtins.filter (p: builtins.compareVersions p.a p.b == 0) (lib.zipListsWith (a: b: { inherit a b; }) sorted (lib.drop 1 sorted));
}

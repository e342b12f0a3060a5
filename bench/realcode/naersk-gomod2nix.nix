# Lock and manifest parsers written in Nix: gomod2nix's builder/parser.nix over 6 of its 7
# go.mod files; naersk's lib.nix over the Cargo.lock files of crane's checks (mkVersions, each
# package's direct dependencies and genericClosure's transitive dependencies of the first
# package where its dependencies name their versions (Cargo.lock v1/v2),
# findGitDependencies' parsed git sources with their URL-decoded refs, fetchGit left unforced),
# and naersk's builtins/to-toml.nix writing every Cargo.toml of crane's checks back as TOML,
# read again with fromTOML and compared.
let
  lib = import <nixpkgs/lib>;
  root = toString <realcode>;
  parseGoMod = import <realcode/gomod2nix/builder/parser.nix>;
  naersk = import <realcode/naersk/lib.nix> { inherit lib; writeText = null; runCommandLocal = null; remarshal = null; formats = null; };
  toTOML = import <realcode/naersk/builtins/to-toml.nix> { inherit lib; };
  walk = dir: lib.concatLists (lib.mapAttrsToList (name: type:
    let p = "${dir}/${name}"; in
    if type == "directory" then walk p else if type == "regular" then [ p ] else [ ]) (builtins.readDir dir));
  under = dir: pred: builtins.filter pred (walk "${root}/${dir}");
  rel = lib.removePrefix "${root}/";
  # tests/mkgoenv/go.mod's one-line `require` is beyond the parser (it fails in both evaluators).
  gomods = under "gomod2nix" (p: lib.hasSuffix "/go.mod" p && !(lib.hasInfix "/mkgoenv/" p));
  locks = under "crane/checks" (lib.hasSuffix "/Cargo.lock");
  cargoTomls = builtins.filter (p: !(lib.hasInfix "invalid" p)) (under "crane/checks" (lib.hasSuffix "/Cargo.toml"));
  perLock = file:
    let
      lock = builtins.fromTOML (builtins.readFile file);
      first = builtins.head lock.package;
      # naersk's parseDependency' needs "name version" in each dependency (Cargo.lock v1/v2).
      versioned = lib.all (p: lib.all (d: builtins.length (lib.splitString " " d) >= 2) (p.dependencies or [ ])) lock.package;
    in {
      versions = naersk.mkVersions lock;
      direct = if !versioned then null else map (p: { inherit (p) name version; deps = naersk.directDependencies lock p.name p.version; }) lock.package;
      closure = if !versioned then null else map (x: x.key) (naersk.transitiveDeps lock first.name first.version);
      git = map (d: removeAttrs d [ "checkout" ]) (naersk.findGitDependencies { cargolock = lock; additionalcargolock = null; gitAllRefs = false; gitSubmodules = false; });
    };
  roundTrip = file:
    let toml = builtins.fromTOML (builtins.readFile file); text = toTOML toml; in { inherit text; same = builtins.fromTOML text == toml; };
in {
  gomod = builtins.listToAttrs (map (f: { name = rel f; value = parseGoMod (builtins.readFile f); }) gomods);
  cargoLocks = builtins.listToAttrs (map (f: { name = rel f; value = perLock f; }) locks);
  toml = builtins.listToAttrs (map (f: { name = rel f; value = roundTrip f; }) cargoTomls);
}

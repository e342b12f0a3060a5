# numtide/blueprint's mkBlueprint over a fixture flake (fixtures/blueprint-user: packages as
# files and directories with meta.platforms, devshell.nix and devshells/, modules with and
# without publisher arguments, checks/, lib/, templates/) for four systems, with a stand-in
# nixpkgs input (nixpkgs lib, legacyPackages per system whose mkDerivation, runCommand and
# mkShell make real derivations). The flake's self is the fixed point of its outputs, as
# call-flake.nix makes it. Printed: packages, devShells and checks per system by drvPath
# (lib.makeScope's newScope and callPackageWith, filterPlatforms, passthru tests), lib, the
# modules found (injectPublisherArgs through functionArgs), templates' descriptions.
let
  lib = import <nixpkgs/lib>;
  systems = [ "x86_64-linux" "aarch64-linux" "aarch64-darwin" "x86_64-darwin" ];
  mkPkgs = system: let
    drv = a: derivation ({ inherit system; builder = "/bin/sh"; } // builtins.removeAttrs a [ "meta" "passthru" "packages" ]) // { meta = a.meta or { }; passthru = a.passthru or { }; };
  in {
    inherit lib;
    stdenv = { hostPlatform = { inherit system; }; mkDerivation = a: drv (a // { name = "${a.pname}-${a.version}"; }); };
    runCommand = name: env: script: drv (env // { inherit name script; });
    runCommandLocal = name: env: script: drv (env // { inherit name script; preferLocalBuild = true; });
    mkShell = a: drv (a // { name = a.name or "nix-shell"; deps = a.packages or [ ]; });
    jq = drv { name = "jq-1.7"; };
    nixfmt-tree = drv { name = "nixfmt-tree"; };
    nix-unit = drv { name = "nix-unit-2.24"; };
  };
  nixpkgs = { inherit lib; legacyPackages = lib.genAttrs systems mkPkgs; outPath = "/nixpkgs"; };
  blueprint = import <realcode/blueprint/lib> { inputs = { inherit nixpkgs; }; };
  src = ./fixtures/blueprint-user;
  flake = blueprint.mkBlueprint {
    inputs = { inherit nixpkgs; self = flake // { outPath = src; }; };
    inherit systems;
  };
  drvs = lib.mapAttrs (_: lib.mapAttrs (_: d: d.drvPath));
in {
  packages = drvs flake.packages;
  devShells = drvs flake.devShells;
  checks = drvs flake.checks;
  formatter = lib.mapAttrs (_: d: d.name) flake.formatter;
  lib = { inherit (flake.lib) names tests; d = flake.lib.double 21; };
  modules = lib.mapAttrs (_: lib.mapAttrs (n: m: if builtins.isPath m || builtins.isString m then "${builtins.typeOf m} ${baseNameOf m}" else if builtins.isAttrs m then { inherit (m) _file; imports = map (i: builtins.attrNames (if builtins.isFunction i then i { config = { }; } else i)) m.imports; } else builtins.attrNames (m { config = { }; }))) flake.modules;
  nixosModules = builtins.attrNames flake.nixosModules;
  templates = lib.mapAttrs (_: t: { inherit (t) description; name = baseNameOf t.path; }) flake.templates;
  configurations = map builtins.attrNames [ flake.nixosConfigurations flake.darwinConfigurations flake.legacyPackages ];
}

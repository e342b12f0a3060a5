# flake-utils' lib: its examples/check-utils flake evaluated as a fixed point (eachDefaultSystem,
# check-utils' derivations named from sanitised values), flattenTree and filterPackages over a
# tree of derivations with meta (filterPackages reads `meta` through `with`: every one has it),
# eachSystemMap and mkApp. Derivations print as their paths.
let
  fu = import <realcode/flake-utils/lib.nix> { };
  drv = name: system: extra: derivation ({ inherit name system; builder = "mybuilder"; } // extra) // { meta = { }; };
  outputs = self: fu.eachDefaultSystem (system:
    let
      inherit (fu.check-utils system) isEqual hasKey;
      testDataset = { key1 = "value1"; key2 = 123; key3 = "some>value with^invalid&characters"; };
      mkHydraJobs = system: {
        toplevel = drv "toplevel" system { };
        nested.attribute = drv "nested-attribute" system { };
      };
    in rec {
      hydraJobs = mkHydraJobs system;
      checks = {
        success_isEqual = isEqual testDataset.key1 "value1";
        success_hasKey = hasKey testDataset "key2";
        success_hydraJobs = isEqual self.hydraJobs (fu.eachDefaultSystemMap mkHydraJobs);
        failure_isEqual = isEqual testDataset.key1 "failing-data";
        failure_hasKey = hasKey testDataset "failing-data";
        formatting_number = isEqual testDataset.key2 123;
        formatting_null = isEqual null null;
        formatting_invalid_chars = isEqual testDataset.key3 "some>value with^invalid&characters";
        long_name = isEqual (builtins.concatStringsSep "" (builtins.genList (i: "..x${toString i}") 80)) "y";
      };
    });
  self = outputs self;
  tree = system: {
    hello = drv "hello" system { } // { meta.platforms = [ "x86_64-linux" ]; };
    broken = drv "broken" system { } // { meta.broken = true; };
    gitAndTools = {
      recurseForDerivations = true;
      git = drv "git" system { };
      hub = drv "hub" system { } // { meta.badPlatforms = [ "aarch64-darwin" ]; };
      notADrv = 1;
      deeper = { recurseForDerivations = true; tig = drv "tig" system { }; };
    };
    ignored = { x = drv "x" system { }; };
  };
in {
  checks = builtins.mapAttrs (_: builtins.mapAttrs (_: d: { inherit (d) name drvPath outPath; })) self.checks;
  hydraJobs = self.hydraJobs;
  packages = fu.eachSystemMap fu.allSystems (system: builtins.attrNames (fu.filterPackages system (fu.flattenTree (tree system))));
  flat = builtins.mapAttrs (_: d: d.drvPath) (fu.flattenTree (tree "x86_64-linux"));
  app = fu.mkApp { drv = drv "hello-2.12" "x86_64-linux" { pname = "hello"; }; };
  app2 = fu.mkApp { drv = drv "tool" "x86_64-linux" { } // { passthru.exePath = "/libexec/tool"; }; };
  systems = fu.system;
  inherit (fu) defaultSystems;
}

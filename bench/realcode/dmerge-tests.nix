# divnix/dmerge (a merge DSL for data overlays) loaded as its flake does, by haumea's load with
# liftDefault over src/ (nix-community/haumea itself loaded from its default.nix, yants from its
# flake.nix); each of its tests/*/expr.nix run (tryEval of deepSeq, as the tests do) and its
# toJSON compared with the namaka snapshot in tests/_snapshots (`#json` then the JSON).
let
  lib = import <nixpkgs/lib>;
  haumea = import <realcode/haumea> { inherit lib; };
  yants = (import <realcode/yants/flake.nix>).outputs { nixpkgs.lib = lib; };
  dmerge = haumea.load {
    src = <realcode/dmerge/src>;
    transformer = haumea.transformers.liftDefault;
    inputs = { inherit lib yants; };
  };
  tests = builtins.attrNames (lib.filterAttrs (n: t: t == "directory" && n != "_snapshots") (builtins.readDir <realcode/dmerge/tests>));
  run = name:
    let
      f = import (<realcode/dmerge/tests> + "/${name}/expr.nix");
      value = f (builtins.intersectAttrs (builtins.functionArgs f) (dmerge // { inherit lib; }));
      snapshot = builtins.readFile (<realcode/dmerge/tests/_snapshots> + "/${name}");
    in {
      inherit value;
      matchesSnapshot = "#json\n${builtins.toJSON value}" == snapshot;
    };
in {
  tests = lib.genAttrs tests run;
  exported = builtins.attrNames dmerge;
}

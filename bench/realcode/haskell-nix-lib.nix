# haskell.nix's lib: its test/unit.nix (lib.runTests: applyComponents, the cabal.project parser
# with CRLF input and string context kept through builtins.match/split), but the one test that
# needs evalPackages' nix-tools; its SPDX parser's own tests (lib/spdx/test.nix); and
# cabalToNixpkgsLicense over licence expressions (lib/spdx/cabal.nix over its materialized
# SPDX 3.27.0 list; a `WITH` expression is left out: cabal.nix fails on it in both evaluators).
# nix-instantiate needs --read-write-mode (readFile of a copied source).
let
  src = <realcode/haskell.nix>;
  lib0 = import <nixpkgs/lib>;
  lib = lib0 // {
    runTests = tests: lib0.runTests (removeAttrs tests [ "testParseRepositoryBlock" ]);
  };
  # lib/spdx/licenses.nix reads materialized/spdx-VERSION/licenses.json (materialize gives back
  # the materialized path when it exists).
  pkgs = {
    inherit lib;
    buildPackages = {
      buildPackages.gitMinimal = throw "no git";
      inherit pkgs;
      spdx-license-list-data = { version = "3.27.0"; };
      haskell-nix.materialize = { materialized }: drv: materialized;
      runCommand = name: env: script: null;
    };
  };
  haskellLib = import (src + "/lib") { inherit pkgs lib haskellLib; stdenv = { }; srcOnly = null; };
  toLicense = haskellLib.cabalToNixpkgsLicense;
in {
  unit = import (src + "/test/unit.nix") { inherit pkgs lib haskellLib; evalPackages = { }; compiler-nix-name = "ghc96"; };
  spdx = import (src + "/lib/spdx/test.nix");
  licenses = map (l: map (x: x.spdxId or x.shortName or x) (toLicense l)) [
    "MIT" "BSD-3-Clause" "Apache-2.0 OR MIT"
    "(LGPL-2.1-or-later AND MIT) OR BSD-2-Clause" "LicenseRef-PublicDomain" "ISC+" "MPL-2.0 AND (Zlib OR Unlicense)"
  ];
  indexState = haskellLib.parseIndexState "packages: .\nindex-state: 2024-01-01T00:00:00Z\n";
  repos = (haskellLib.parseSourceRepositoryPackages "cabal.project" { } { } ''
    packages: ./*.cabal

    source-repository-package
      type: git
      location: https://github.com/input-output-hk/haskell.nix.git
      tag: 487eea1c249537d34c27f6143dff2b9d5586c657
      --sha256: 077j5j3j86qy1wnabjlrg4dmqy1fv037dyq3xb8ch4ickpxxs123
      subdir:
        a
        b

    allow-newer: all
      source-repository-package
        type: git
        location: https://example.org/x.git
        tag: v1
  '');
}

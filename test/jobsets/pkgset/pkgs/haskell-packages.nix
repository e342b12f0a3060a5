# Haskell packages: one shared builder, versions from a table.
{ lib, stdenv, fetchurl, zlib, count }:
let
  mod = a: b: a - b * (a / b);
  mkPackage = self: name: i: stdenv.mkDerivation {
    pname = name;
    version = "${toString (i / 10)}.${toString (mod i 10)}";
    src = fetchurl { url = "https://hackage.haskell.org/package/${name}.tar.gz"; sha256 = builtins.hashString "sha256" "hs:${name}"; };
    buildInputs = [ zlib ] ++ (if i < 4 then [ ] else [ self."hs-pkg${toString (i / 4)}" ]);
    isLibrary = true;
    meta = { description = "Haskell package ${name}"; hydraPlatforms = [ "x86_64-linux" ]; };
  };
in
lib.fix (self: builtins.listToAttrs (builtins.genList (i: { name = "hs-pkg${toString (i + 1)}"; value = mkPackage self "hs-pkg${toString (i + 1)}" (i + 1); }) count))

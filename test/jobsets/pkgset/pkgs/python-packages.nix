# A nested package set with its own scope, as nixpkgs' python3Packages: modules that depend on
# the interpreter and on each other.
{ lib, python3, callPackage, pkgs, count }:
lib.makeScope (extra: lib.callPackageWith (pkgs // extra)) (self:
  builtins.listToAttrs (builtins.genList
    (i:
      let name = "py-mod${toString (i + 1)}"; in {
        inherit name;
        value = self.callPackage ./python-module.nix {
          pname = name;
          propagated = if i < 2 then [ ] else [ self."py-mod${toString (i / 2)}" ];
        };
      })
    count)
  // { inherit python3; buildPythonPackage = self.callPackage ./build-python-package.nix { }; })

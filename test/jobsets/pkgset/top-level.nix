# The package set before overlays: a function of the final set (`self`), as nixpkgs'
# all-packages.nix is.
{ lib, system, sizes }:
self:
let
  callPackage = lib.callPackageWith self;
in
{
  inherit lib callPackage;
  # The set itself, as nixpkgs' `pkgs`: not walked (no recurseForDerivations).
  pkgs = self;

  stdenv = import ./stdenv.nix { inherit lib system; };
  fetchurl = callPackage ./pkgs/fetchurl.nix { };

  zlib = callPackage ./pkgs/zlib.nix { };
  openssl = callPackage ./pkgs/openssl.nix { };
  curl = callPackage ./pkgs/curl.nix { };
  hello = callPackage ./pkgs/hello.nix { };
  git = callPackage ./pkgs/git.nix { };
  perl = callPackage ./pkgs/perl.nix { };
  python3 = callPackage ./pkgs/python.nix { };

}
# Many small libraries, each depending on two earlier ones.
// builtins.listToAttrs (builtins.genList
  (i:
    let name = "lib${toString (i + 1)}"; in {
      inherit name;
      value = callPackage ./pkgs/generic-library.nix {
        pname = name;
        deps = if i < 3 then [ ] else [ self."lib${toString (i / 2)}" self."lib${toString (i / 3)}" ];
      };
    })
  sizes.libraries)
// {
  python3Packages = lib.recurseIntoAttrs (callPackage ./pkgs/python-packages.nix { count = sizes.python; });
  haskellPackages = lib.recurseIntoAttrs (callPackage ./pkgs/haskell-packages.nix { count = sizes.haskell; });
  # Not walked unless every set is (forceRecurse): nixpkgs' perlPackages is not marked either.
  perlPackages = callPackage ./pkgs/perl-packages.nix { count = sizes.perl; };
  linuxKernel = lib.recurseIntoAttrs {
    kernels = lib.recurseIntoAttrs {
      linux_6_1 = callPackage ./pkgs/kernel.nix { version = "6.1.90"; };
      linux_6_6 = callPackage ./pkgs/kernel.nix { version = "6.6.30"; };
    };
    packages = lib.recurseIntoAttrs {
      linux_6_6 = lib.recurseIntoAttrs (callPackage ./pkgs/kernel-modules.nix {
        kernel = self.linuxKernel.kernels.linux_6_6;
        count = sizes.kernelModules;
      });
    };
  };
  # A set that says not to walk it.
  nodePackages = lib.dontRecurseIntoAttrs { left-pad = self.hello.override { greeting = "left-pad"; }; };
  # Derivations in a list, and values that are no derivations: none is a jobset attribute.
  allTools = [ self.hello self.git ];
  version = "24.05";
  tests = lib.recurseIntoAttrs { greeting = "not a derivation"; count = 3; };
}

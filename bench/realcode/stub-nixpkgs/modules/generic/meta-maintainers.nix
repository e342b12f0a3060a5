# A stand-in for nixpkgs' modules/generic/meta-maintainers.nix (meta.maintainers of any class).
{ lib, ... }:
{
  options.meta.maintainers = lib.mkOption {
    type = lib.types.listOf lib.types.raw;
    internal = true;
    default = [ ];
    description = "Maintainers of the modules.";
  };
}

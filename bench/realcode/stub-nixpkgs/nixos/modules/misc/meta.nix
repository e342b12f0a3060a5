# A stand-in for nixpkgs' nixos/modules/misc/meta.nix (Home Manager imports it from pkgs.path).
{ lib, ... }:
{
  options.meta = {
    maintainers = lib.mkOption {
      type = lib.types.listOf lib.types.raw;
      internal = true;
      default = [ ];
      description = "Maintainers of the modules.";
    };
    teams = lib.mkOption {
      type = lib.types.listOf lib.types.raw;
      internal = true;
      default = [ ];
      description = "Teams of the modules.";
    };
    doc = lib.mkOption {
      type = lib.types.raw;
      internal = true;
      description = "Documentation of a module.";
    };
    buildDocsInSandbox = lib.mkOption {
      type = lib.types.bool;
      internal = true;
      default = true;
      description = "Whether the module's documentation builds in a sandbox.";
    };
  };
}

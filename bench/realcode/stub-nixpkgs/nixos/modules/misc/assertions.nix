# A stand-in for nixpkgs' nixos/modules/misc/assertions.nix (Home Manager imports it from pkgs.path).
{ lib, ... }:
{
  options = {
    assertions = lib.mkOption {
      type = lib.types.listOf lib.types.unspecified;
      internal = true;
      default = [ ];
      description = "Conditions that must hold for the evaluation of the configuration to succeed.";
    };
    warnings = lib.mkOption {
      internal = true;
      default = [ ];
      type = lib.types.listOf lib.types.str;
      description = "Warnings to show about the configuration.";
    };
  };
}

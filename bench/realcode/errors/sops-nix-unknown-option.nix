# sops-nix's module with a secret's option misspelt: the module system's "does not exist" with
# its "Did you mean" suggestions (lib.levenshtein over the submodule's option names).
let
  lib = import <nixpkgs/lib>;
  pkgs = { inherit lib; };
in (lib.evalModules {
  modules = [
    <realcode/sops-nix/modules/sops/templates>
    ({ lib, ... }: { options.sops = lib.mkOption { type = lib.types.submodule { freeformType = lib.types.attrsOf lib.types.anything; }; default = { }; }; })
    ({ lib, ... }: { options.assertions = lib.mkOption { default = [ ]; }; options.system = lib.mkOption { default = { }; }; })
    { sops.templates."x" = { content = "a"; onwer = "root"; }; }
  ];
  specialArgs = { inherit pkgs; };
}).config.sops.templates.x.owner

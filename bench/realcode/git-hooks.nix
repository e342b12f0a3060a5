# git-hooks.nix (cachix/pre-commit-hooks.nix): its modules/all-modules.nix evaluated with every
# hook of modules/hooks.nix enabled: each hook's `raw` (what goes into .pre-commit-config.yaml:
# id, entry, files, types, stages, ...), caught one by one; the hooks' toposort order; the
# option list. pkgs and tools are a stand-in: a fake package for every argument of
# nix/tools.nix, every `tools.NAME` and quoted name of modules/hooks.nix, writers returning fake packages.
let
  src = <realcode/git-hooks.nix>;
  lib = import <nixpkgs/lib>;
  fakePkg = name: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; } // {
    pname = name;
    version = "1.0";
    meta.mainProgram = name;
    withPlugins = _: fakePkg "${name}-with-plugins";
    withPackages = _: fakePkg "${name}-with-packages";
    override = _: fakePkg "${name}-overridden";
    overrideAttrs = _: fakePkg "${name}-overridden";
  };
  quotedIn = file: map builtins.head (builtins.filter builtins.isList
    (builtins.split "\"([A-Za-z][A-Za-z0-9_+.-]*)\"" (builtins.readFile file)));
  toolsIn = file: map builtins.head (builtins.filter builtins.isList
    (builtins.split "tools\\.([A-Za-z][A-Za-z0-9_-]*)" (builtins.readFile file)));
  names = lib.unique (builtins.attrNames (builtins.functionArgs (import (src + "/nix/tools.nix")))
    ++ quotedIn (src + "/modules/hooks.nix") ++ toolsIn (src + "/modules/hooks.nix"));
  flat = lib.genAttrs names fakePkg;
  writer = name: _: fakePkg name;
  pkgs = flat // {
    inherit lib;
    system = "x86_64-linux";
    stdenv = { isDarwin = false; isLinux = true; hostPlatform.system = "x86_64-linux"; mkDerivation = a: fakePkg (a.name or "drv"); };
    formats = lib.genAttrs [ "toml" "json" "yaml" "ini" ] (_: _: {
      type = with lib.types; let v = nullOr (oneOf [ bool int float str path (attrsOf v) (listOf v) ]) // { description = "value"; }; in attrsOf v;
      generate = name: value: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; text = builtins.toJSON value; };
    });
    writeShellScript = writer;
    writeShellScriptBin = writer;
    writeScriptBin = writer;
    writeText = writer;
    writeShellApplication = a: fakePkg a.name;
    symlinkJoin = a: fakePkg a.name;
    runCommand = writer;
    makeWrapper = fakePkg "makeWrapper";
    rustPlatform.cargoSetupHook = fakePkg "cargoSetupHook";
    python3Packages = flat;
    nodePackages = flat;
    haskellPackages = flat;
    ocamlPackages = flat;
    perlPackages = flat;
    llvmPackages_latest = flat;
  };
  project = lib.evalModules {
    modules = [
      (src + "/modules/all-modules.nix")
      {
        _module.args = { inherit pkgs; };
        tools = flat;
        rootSrc = src;
      }
      ({ options, ... }: { hooks = lib.mapAttrs (_: _: { enable = true; }) (removeAttrs (options.hooks.type.getSubOptions [ ]) [ "_module" "_freeformOptions" ]); })
    ];
  };
  cfg = project.config;
  hookRaw = name: h:
    let r = builtins.tryEval (builtins.deepSeq h.raw h.raw); in if r.success then r.value else "failed";
  visible = builtins.filter (o: o.visible && !o.internal) (lib.optionAttrSetToDocList project.options);
in {
  hooks = lib.mapAttrs hookRaw cfg.hooks;
  order = map (h: h.id) (builtins.head cfg.rawConfig.repos).hooks;
  options = map (o: o.name) visible;
  installStages = cfg.installStages;
}

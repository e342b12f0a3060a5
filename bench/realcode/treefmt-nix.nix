# treefmt-nix's evalModule (module-options.nix and its 128 program modules) once per program,
# each with only that program enabled and default excludes off, as its checks make
# examples/formatter-NAME.toml: the settings (treefmt.toml's data) of every program, and the
# option list of the whole configuration (names, types, defaults' text). pkgs is a stand-in: a
# fake package (a derivation with meta.mainProgram) for every quoted name in programs/*.nix,
# formats' generate a derivation of the data as JSON.
let
  src = <realcode/treefmt-nix>;
  lib = import <nixpkgs/lib>;
  tf = import src;
  fakePkg = name: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; } // {
    pname = name;
    meta.mainProgram = name;
    version = "1.0";
    withPlugins = _: fakePkg "${name}-with-plugins";
    withPackages = _: fakePkg "${name}-with-packages";
    override = _: fakePkg "${name}-overridden";
    overrideAttrs = _: fakePkg "${name}-overridden";
  };
  programFiles = builtins.attrNames (builtins.readDir (src + "/programs"));
  quoted = lib.unique (lib.concatMap (f:
    builtins.filter builtins.isList (builtins.split "\"([A-Za-z][A-Za-z0-9_+.-]*)\"" (builtins.readFile (src + "/programs/${f}")))
  ) programFiles);
  names = map builtins.head quoted;
  flat = lib.genAttrs (names ++ [ "bash" "git" "git-lfs" "go" "templ" "check-jsonschema" ]) fakePkg;
  pkgs = flat // {
    inherit lib;
    python3Packages = flat;
    nodePackages = flat;
    haskellPackages = flat;
    ocamlPackages = flat;
    perlPackages = flat;
    rPackages = flat;
    elmPackages = flat;
    texlive = flat // { combine = _: fakePkg "texlive-combined"; };
    stdenv.hostPlatform.system = "x86_64-linux";
    system = "x86_64-linux";
    formats = lib.genAttrs [ "toml" "json" "yaml" "ini" ] (_: _: {
      type = with lib.types; let v = nullOr (oneOf [ bool int float str path (attrsOf v) (listOf v) ]) // { description = "TOML value"; }; in attrsOf v;
      generate = name: value: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; text = builtins.toJSON value; };
    });
    writeShellScriptBin = name: text: fakePkg name;
    writeShellApplication = a: fakePkg a.name;
    writers.writeBashBin = name: text: fakePkg name;
    fetchurl = a: fakePkg "fetched";
    mkShell = a: fakePkg "shell";
    callPackage = f: args: fakePkg "called";
    biome = fakePkg "biome" // { version = "2.3.1"; };
    python3 = fakePkg "python3" // { pkgs = flat // { makePythonPath = ps: lib.concatMapStringsSep ":" (p: "${p}/lib") ps; }; };
    dprint-plugins = flat // { getPluginList = f: [ ]; };
    stdenv.isDarwin = false;
    writeShellScript = name: text: fakePkg name;
    writeText = name: text: fakePkg name;
    writeScript = name: text: fakePkg name;
    runCommand = name: env: script: fakePkg name;
    runCommandLocal = name: env: script: fakePkg name;
    symlinkJoin = a: fakePkg a.name;
    buildEnv = a: fakePkg a.name;
  };
  eval = cfg: tf.evalModule pkgs cfg;
  settingsOf = name:
    let
      r = builtins.tryEval (builtins.deepSeq (eval { enableDefaultExcludes = false; programs.${name}.enable = true; }).config.settings.formatter
        (eval { enableDefaultExcludes = false; programs.${name}.enable = true; }).config.settings.formatter);
    in if r.success then r.value else "failed";
  options = lib.optionAttrSetToDocList (eval { }).options;
in {
  settings = lib.genAttrs tf.programs.names settingsOf;
  options = map (o: { inherit (o) name type readOnly; default = o.default.text or null; }) (builtins.filter (o: o.visible) options);
  configFile = let f = (eval { programs.nixfmt.enable = true; programs.shfmt.enable = true; settings.global.excludes = [ "*.lock" ]; }).config.build.configFile; in { inherit (f) drvPath; inherit (f.drvAttrs) text; };
}

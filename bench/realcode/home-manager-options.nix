# Home Manager's whole module list (modules/modules.nix: about 1,000 modules) evaluated with
# stdlib-extended lib, and every visible option of lib.optionAttrSetToDocList (7,115) with its
# name, type description, description and declarations. pkgs is a stand-in: a fake package for
# every quoted name in modules/ (read with readDir and split), formats whose generate gives a
# fake package, and `path` a tree (made by scripts/realcode.ts in /tmp/realcode-src/stub-nixpkgs)
# of nixpkgs lib and this directory's stub-nixpkgs/ (the four nixpkgs modules Home Manager
# imports from pkgs.path, as small stand-ins).
let
  src = <realcode/home-manager>;
  lib0 = import <nixpkgs/lib>;
  lib = import (src + "/modules/lib/stdlib-extended.nix") lib0;
  fake = name: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; } // { pname = name; version = "1.0"; meta = { mainProgram = name; description = "the ${name} package"; platforms = lib0.platforms.all; }; override = _: fake name; overrideAttrs = _: fake name; withPackages = _: fake name; withPlugins = _: fake name; };
  platform = lib.systems.elaborate "x86_64-linux";
  walk = dir: lib0.concatLists (lib0.mapAttrsToList (n: t: if t == "directory" then walk "${dir}/${n}" else if lib0.hasSuffix ".nix" n then [ "${dir}/${n}" ] else [ ]) (builtins.readDir dir));
  quoted = file: map builtins.head (builtins.filter builtins.isList (builtins.split "\"([A-Za-z][A-Za-z0-9_+.-]*)\"" (builtins.readFile file)));
  names = lib0.unique (lib0.concatMap quoted (walk (toString (src + "/modules"))));
  flat = lib0.genAttrs names fake;
  pkgs = flat // { lib = lib0; path = <realcode/stub-nixpkgs>; system = "x86_64-linux"; stdenv = { hostPlatform = platform; buildPlatform = platform; isDarwin = false; isLinux = true; }; writeText = n: _: fake n; writeShellScript = n: _: fake n; writeTextFile = a: fake a.name; runCommand = n: _: _: fake n; formats = lib0.genAttrs [ "json" "yaml" "toml" "ini" "keyValue" "xml" "lua" "elixirConf" "hocon" "pythonVars" "php" "javaProperties" "nixConf" "libconfig" "cdn" "plist" "iniWithGlobalSection" "gitIni" "yaml_1_1" "yaml_1_2" "systemd" "toml2" ] (_: _: { type = lib0.types.attrsOf (lib0.types.attrsOf lib0.types.anything); generate = n: _: fake n; lib = { types = { atom = lib0.types.anything; value = lib0.types.anything; }; mkRaw = x: x; mkLuaInline = x: x; }; }); buildPackages = pkgs; };
  hmModules = import (src + "/modules/modules.nix") { inherit pkgs lib; check = false; useNixpkgsModule = false; };
  r = lib.evalModules { modules = hmModules ++ [ { _module.args.pkgs = lib.mkForce pkgs; _module.check = false; } ]; class = "homeManager"; specialArgs.modulesPath = toString (src + "/modules"); };
  docs = lib.optionAttrSetToDocList r.options;
  # An option whose rendering throws would be listed as failed (none are).
  one = o: let t = builtins.tryEval (builtins.deepSeq [ o.name o.type o.description o.declarations ] { inherit (o) name type description declarations; }); in if t.success then t.value else { failed = o.name or "?"; };
in map one (builtins.filter (o: o.visible or true) docs)

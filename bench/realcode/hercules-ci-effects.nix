# hercules-ci/hercules-ci-effects' effects (effects/default.nix through its overlay.nix) with a
# stand-in pkgs whose stdenvNoCC.mkDerivation, runCommand and writers make real derivations:
# mkEffect (lib.makeOverridable's override, secretsMap through toJSON, phases, the version
# check through compareVersions), runIf both ways (inputDerivation), modularEffect and
# gitWriteBranch through the module system (effect-module.nix), flakeUpdate, ssh, runPutUrl,
# and the setup hooks (source files copied by interpolation). Printed: drvPaths and the
# attributes the effects runner reads.
let
  lib = import <nixpkgs/lib>;
  system = "x86_64-linux";
  drv = a: derivation ({ inherit system; builder = "/bin/sh"; } // builtins.removeAttrs a [ "meta" "passthru" ]) // (a.passthru or { }) // { meta = a.meta or { }; inputDerivation = derivation { name = "${a.name}-inputs"; inherit system; builder = "/bin/sh"; deps = a.nativeBuildInputs or [ ]; }; };
  pkg = name: drv { inherit name; meta.mainProgram = name; } // { version = "2.24.0"; };
  base = final: lib.genAttrs [ "bash" "coreutils" "cacert" "curl" "jq" "git" "openssh" "gnused" "nix" "cachix" "netlify-cli" "cargo" "hello" "gnutar" "gzip" "findutils" "gnugrep" "rsync" "nixos-rebuild" "gh" "nodejs" "python3" "openssl" "gnupg" "git-crypt" "nix-output-monitor" "cachix-deploy" ] pkg // {
    inherit lib system;
    path = /nixpkgs-stand-in;
    pkgs = final;
    runtimeShell = "${final.bash}/bin/bash";
    newScope = extra: lib.callPackageWith (final // extra);
    callPackage = lib.callPackageWith final;
    runCommand = name: env: buildCommand: drv (env // { inherit name buildCommand; });
    writeText = name: text: drv { inherit name text; };
    writeScript = name: text: drv { inherit name text; executable = true; };
    writeScriptBin = name: text: drv { inherit name text; destination = "/bin/${name}"; };
    writeShellScriptBin = name: text: drv { inherit name text; destination = "/bin/${name}"; };
    stdenvNoCC = { mkDerivation = a: drv (a // { name = a.name or "${a.pname}-${a.version}"; }); inherit system; };
    stdenv = final.stdenvNoCC // { hostPlatform.system = system; };
  };
  pkgs = lib.fix (lib.extends (import <realcode/hercules-ci-effects/overlay.nix>) base);
  e = pkgs.effects;
  effect = e.mkEffect { name = "deploy/prod"; effectScript = "echo deploying"; secretsMap.token = "deploy-token"; inputs = [ pkgs.hello ]; userSetupScript = "writeSSHKey"; };
  show = d: { inherit (d) drvPath; phases = d.phases or null; isEffect = d.isEffect or null; secretsMap = d.secretsMap or null; };
in {
  effect = show effect;
  overridden = show (effect.override (o: { effectScript = "echo other"; name = "other"; }));
  runIfYes = lib.mapAttrs (n: v: v.drvPath or v) (e.runIf true effect);
  runIfNo = lib.mapAttrs (n: v: if lib.isDerivation v then { inherit (v) drvPath; isEffect = v.isEffect; only = v.buildDependenciesOnly; } else v) (e.runIf false effect);
  modular = show (e.modularEffect { effectScript = "echo modular"; secretsMap.git = { type = "GitToken"; }; env.FOO = "bar"; });
  writeBranch = show (e.gitWriteBranch { git.checkout = { remote.url = "https://github.com/o/r"; forgeType = "github"; user = "bot"; }; git.update.branch = "gh-pages"; contents = pkgs.hello; destination = "docs"; message = "Update docs"; });
  flakeUpdate = show (e.flakeUpdate { gitRemote = "https://github.com/o/r"; user = "bot"; });
  ssh = e.ssh { destination = "root@host"; } "uptime";
  putUrl = show (e.runPutUrl { name = "upload"; url = "https://example.com/x"; file = builtins.toFile "payload" "hello"; });
  hooks = map (h: h.drvPath) [ e.cargoSetupHook e.netlifySetupHook ];
}

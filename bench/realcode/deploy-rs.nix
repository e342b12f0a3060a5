# serokell/deploy-rs's overlay (flake.nix's overlays.default, its outputs called with stand-in
# inputs) applied to a stand-in pkgs: lib.activate.{custom,nixos,home-manager,darwin,noop}
# (a functor set whose dryActivate and boot are read with `or`), the deprecated setActivate
# (builtins.trace), and deployChecks over a deploy configuration (its schema check: the
# configuration's toJSON in a writeText; the activate check: profile paths through toString).
# The package's source is lib.sourceByRegex over the project (builtins.path with a filter):
# nix-instantiate needs --read-write-mode. Printed: drvPaths, the activation scripts' text.
let
  lib = import <nixpkgs/lib>;
  system = "x86_64-linux";
  drv = a: derivation ({ inherit system; builder = "/bin/sh"; } // builtins.removeAttrs a [ "meta" "passthru" ]) // { meta = a.meta or { }; };
  flake = import <realcode/deploy-rs/flake.nix>;
  outputs = flake.outputs { self = outputs; nixpkgs = { inherit lib; }; utils = { lib.eachSystem = _: _: { }; lib.defaultSystems = [ ]; }; };
  base = final: {
    inherit lib system;
    runtimeShell = "/nix/store/00000000000000000000000000000000-bash-5.2/bin/bash";
    runCommand = name: env: buildCommand: drv (env // { inherit name buildCommand; });
    writeText = name: text: drv { inherit name text; };
    writeScript = name: text: drv { inherit name text; executable = true; };
    writeTextFile = a: drv (a // { executable = a.executable or false; destination = a.destination or ""; }) // { inherit (a) text; };
    buildEnv = a: drv { inherit (a) name paths; };
    rustPlatform.buildRustPackage = a: drv { name = "${a.pname}-${a.version}"; inherit (a) src; cargoLock = a.cargoLock.lockFile; };
    check-jsonschema = drv { name = "check-jsonschema"; };
  };
  pkgs = lib.fix (lib.extends outputs.overlays.default base);
  dlib = pkgs.deploy-rs.lib;
  toplevel = drv { name = "nixos-system-host"; };
  nixosBase = efi: { config = { system.build.toplevel = toplevel; boot.loader = { systemd-boot.enable = efi; efi.efiSysMountPoint = "/boot/efi"; }; }; };
  hm = { activationPackage = drv { name = "home-manager-generation"; }; };
  activations = {
    nixos = dlib.activate.nixos (nixosBase false);
    nixosEfi = dlib.activate.nixos (nixosBase true);
    home = dlib.activate.home-manager hm;
    darwin = dlib.activate.darwin (nixosBase false);
    noop = dlib.activate.noop toplevel;
    custom = dlib.activate.custom toplevel "echo hi";
    customDry = (dlib.activate.custom // { dryActivate = "echo dry"; }) toplevel "echo real";
    deprecated = dlib.setActivate toplevel "echo old";
  };
  deploy = {
    sshUser = "deploy";
    nodes.host = {
      hostname = "host.example.com";
      fastConnection = true;
      profiles.system = { user = "root"; path = activations.nixos; };
      profiles.home = { user = "alice"; path = activations.home; sshOpts = [ "-p" "2222" ]; confirmTimeout = 60; };
    };
    nodes.mac = { hostname = "mac.local"; profilesOrder = [ "system" ]; profiles.system = { user = "root"; path = activations.darwin; }; };
  };
in {
  activations = lib.mapAttrs (n: a: { inherit (a) drvPath; scripts = map (p: p.text or null) a.paths; }) activations;
  checks = lib.mapAttrs (n: c: c.drvPath) (dlib.deployChecks deploy);
  package = pkgs.deploy-rs.deploy-rs.drvPath;
}

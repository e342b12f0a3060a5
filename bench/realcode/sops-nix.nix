# Mic92/sops-nix's NixOS module (modules/sops: secrets, templates, secrets-for-users, renamed
# options) through lib.evalModules with stand-in NixOS options (assertions, warnings, users,
# services.openssh, systemd, system.activationScripts/build) and stand-in pkgs whose
# writeTextFile, buildGo125Module and fetchers make real derivations. Two configurations: the
# activation-script one (secrets of every format from its test assets, owners resolved through
# users.users, templates with placeholders, age and gnupg keys from openssh hostKeys) and the
# sysusers one (systemd services). Printed: the manifests' JSON (hashFile of each sops file,
# placeholders), the activation scripts and units' text with store paths, assertions and
# warnings, and the sops options' doc list. The sops-install-secrets package's source is
# lib.sourceByRegex over the project (builtins.path with a filter): nix-instantiate needs
# --read-write-mode.
let
  lib = import <nixpkgs/lib>;
  inherit (lib) types mkOption;
  fake = name: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; };
  drv = a: derivation ({ system = "x86_64-linux"; builder = "/bin/sh"; } // builtins.removeAttrs a [ "meta" "passthru" ]);
  hostPlatform = { system = "x86_64-linux"; };
  pkgs = {
    inherit lib pkgs;
    callPackage = lib.callPackageWith pkgs;
    pkgsBuildHost = pkgs;
    stdenv = { isLinux = true; isDarwin = false; buildPlatform = hostPlatform; inherit hostPlatform; };
    writeTextFile = a: drv (a // { passAsFile = [ "text" ]; }) // { inherit (a) text; };
    writeText = name: text: pkgs.writeTextFile { inherit name text; };
    buildGo125Module = a: drv (builtins.removeAttrs a [ "subPackages" ] // { name = "${a.pname}-${a.version}"; });
    go = fake "go"; gnupg = fake "gnupg"; age = fake "age"; ssh-to-age = fake "ssh-to-age"; ssh-to-pgp = fake "ssh-to-pgp";
    age-plugin-yubikey = fake "age-plugin-yubikey";
  };
  stubs = { ... }: {
    options = {
      assertions = mkOption { type = types.listOf types.unspecified; default = [ ]; };
      warnings = mkOption { type = types.listOf types.str; default = [ ]; };
      users.mutableUsers = mkOption { type = types.bool; default = true; };
      users.users = mkOption {
        type = types.attrsOf (types.submodule { options = { group = mkOption { type = types.str; default = "users"; }; uid = mkOption { type = types.nullOr types.int; default = null; }; }; });
        default = { };
      };
      services.openssh.enable = mkOption { type = types.bool; default = false; };
      services.openssh.hostKeys = mkOption { type = types.listOf (types.attrsOf types.str); default = [ ]; };
      services.userborn.enable = mkOption { type = types.bool; default = false; };
      systemd.sysusers.enable = mkOption { type = types.bool; default = false; };
      systemd.services = mkOption { type = types.attrsOf (types.attrsOf types.anything); default = { }; };
      system.activationScripts = mkOption { type = types.attrsOf types.anything; default = { }; };
      system.build = mkOption { type = types.lazyAttrsOf types.raw; default = { }; };
      system.dryActivationScript = mkOption { type = types.str; default = ""; };
    };
  };
  assets = <realcode/sops-nix/pkgs/sops-install-secrets/test-assets>;
  eval = config: lib.evalModules {
    modules = [ stubs <realcode/sops-nix/modules/sops> config ];
    specialArgs = { inherit pkgs; };
  };
  activation = eval ({ config, ... }: {
    users.users.alice = { group = "wheel"; };
    users.users.bob = { };
    services.openssh = { enable = true; hostKeys = [ { type = "ed25519"; path = "/etc/ssh/ssh_host_ed25519_key"; } { type = "rsa"; bits = "4096"; path = "/etc/ssh/ssh_host_rsa_key"; } ]; };
    sops = {
      defaultSopsFile = assets + "/secrets.yaml";
      age.keyFile = "/var/lib/sops-nix/key.txt";
      age.generateKey = true;
      age.plugins = [ pkgs.age-plugin-yubikey ];
      gnupgHome = "/root/.gnupg";
      environment.SOPS_EXTRA = "x y";
      secrets = {
        "test_key" = { owner = "alice"; mode = "0440"; restartUnits = [ "nginx.service" ]; };
        "json" = { sopsFile = assets + "/secrets.json"; format = "json"; key = "test_key"; };
        "bin" = { sopsFile = assets + "/secrets.bin"; format = "binary"; path = "/etc/bin-secret"; };
        "env" = { sopsFile = assets + "/secrets.env"; format = "dotenv"; uid = 1000; gid = 100; };
        "ini" = { sopsFile = assets + "/secrets.ini"; format = "ini"; reloadUnits = [ "a.service" ]; };
        "users/passwd" = { neededForUsers = true; };
        "nested/key with space" = { key = "nested/key"; };
      };
      templates."app.conf" = { content = "user=${config.sops.placeholder.test_key}\npass=${config.sops.placeholder.json}\n"; owner = "bob"; };
      templates."plain" = { content = "no placeholders"; mode = "0444"; };
    };
    system.dryActivationScript = "dry";
  });
  sysusers = eval {
    systemd.sysusers.enable = true;
    users.mutableUsers = false;
    sops = {
      defaultSopsFile = assets + "/secrets.json";
      defaultSopsFormat = "json";
      age.sshKeyPaths = [ "/etc/ssh/key" ];
      validateSopsFiles = false;
      secrets.a = { };
      secrets.b = { neededForUsers = true; };
    };
  };
  report = e: let c = e.config; in {
    manifest = c.system.build.sops-nix-manifest.text;
    manifestDrv = c.system.build.sops-nix-manifest.drvPath;
    activation = lib.mapAttrs (n: v: if builtins.isAttrs v then v else { text = v; }) c.system.activationScripts;
    units = c.systemd.services;
    assertions = map (a: a.message) (lib.filter (a: !a.assertion) c.assertions);
    warnings = c.warnings;
    secrets = lib.mapAttrs (n: s: { inherit (s) name key path format mode owner uid group gid sopsFileHash; }) c.sops.secrets;
    placeholder = c.sops.placeholder;
    templates = lib.mapAttrs (n: t: builtins.removeAttrs t [ "file" ]) c.sops.templates;
  };
in {
  activation = report activation;
  sysusers = report sysusers;
  options = map (o: { inherit (o) name type description; default = o.default or null; visible = o.visible; readOnly = o.readOnly; })
    (lib.filter (o: lib.hasPrefix "sops" o.name) (lib.optionAttrSetToDocList activation.options));
}

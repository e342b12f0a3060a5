# zhaofengli/colmena's hive evaluator (src/nix/hive/eval.nix with its options.nix and
# modules.nix) over a hive of three nodes with defaults, deployment keys (text, keyFile,
# keyCommand; pre- and post-activation: the chown activation script and the key units), tags,
# node-specific specialArgs and a node reading another's configuration through `nodes`, with a
# stand-in nixpkgs (nixpkgs lib and fixtures/colmena-nixpkgs/nixos/lib/eval-config.nix).
# Printed: deploymentConfig, metaConfig, each node's toplevel drvPath (its activation text and
# units as JSON in the derivation), evalSelectedDrvPaths and introspect.
let
  lib = import <nixpkgs/lib>;
  nixpkgs = { inherit lib; path = ./fixtures/colmena-nixpkgs; system = "x86_64-linux"; overlays = [ ]; config = { allowUnfree = true; }; };
  hive = import <realcode/colmena/src/nix/hive/eval.nix> {
    rawHive = {
      meta = {
        inherit nixpkgs;
        name = "realcode";
        description = "a test hive";
        specialArgs.site = "eu";
        nodeSpecialArgs.web-1.role = "primary";
        allowApplyAll = false;
      };
      defaults = { name, lib, pkgs, ... }: {
        networking.hostName = lib.mkDefault name;
        environment.systemPackages = [ pkgs.hello ];
        deployment.tags = [ "all" ];
        deployment.targetUser = lib.mkDefault "root";
      };
      web-1 = { name, nodes, site, role, pkgs, ... }: {
        services.nginx.enable = true;
        environment.systemPackages = [ pkgs.nginx ];
        deployment = {
          targetHost = "web-1.${site}.example.com";
          targetPort = 2222;
          tags = [ "web" role ];
          keys."tls.key" = { text = "secret"; user = "nginx"; group = "nginx"; permissions = "0640"; };
          keys."api-token" = { keyCommand = [ "pass" "show" "api" ]; uploadAt = "post-activation"; destDir = "/var/keys"; };
          keys.from-file = { keyFile = ./fixtures/snowfall-user/lib/README.md; name = "readme"; };
        };
        warnings = [ "peer is ${nodes.db.config.networking.hostName}" ];
      };
      db = { name, ... }: {
        deployment = { targetHost = null; allowLocalDeployment = true; buildOnTarget = true; targetUser = "admin"; sshOptions = [ "-o" "StrictHostKeyChecking=no" ]; };
      };
      "edge.lb" = [ { deployment.tags = [ "lb" ]; } ({ config, ... }: { deployment.privilegeEscalationCommand = [ "doas" ]; networking.hostName = "edge"; }) ];
    };
  };
in {
  inherit (hive) __schema metaConfig;
  deployment = lib.mapAttrs (n: d: d // { keys = lib.mapAttrs (k: v: builtins.removeAttrs v [ "keyFile" ] // { keyFile = if v.keyFile == null then null else baseNameOf v.keyFile; }) d.keys; }) hive.deploymentConfig;
  toplevel = lib.mapAttrs (n: t: t.drvPath) hive.toplevel;
  activation = lib.mapAttrs (n: t: t.activate) hive.toplevel;
  selected = hive.evalSelectedDrvPaths [ "db" "edge.lb" "nope" ];
  selectedDeployment = builtins.attrNames (hive.deploymentConfigSelected [ "web-1" ]);
  introspect = hive.introspect ({ lib, pkgs, nodes }: lib.mapAttrs (n: v: v.config.deployment.tags) nodes // { system = pkgs.system; });
}

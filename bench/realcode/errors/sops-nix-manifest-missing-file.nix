# sops-nix's manifest-for.nix with validateSopsFiles on and a sops file that does not exist and
# one given as a string outside the store: its "Failed assertions" throw (pathExists,
# escapeNixIdentifier of a secret name with a dot, isPath and hasPrefix storeDir).
let
  lib = import <nixpkgs/lib>;
  manifestFor = import <realcode/sops-nix/modules/sops/manifest-for.nix> {
    inherit lib;
    writeTextFile = a: a;
    cfg = { validateSopsFiles = true; };
  };
in (manifestFor "" {
  a = { name = "a"; sopsFile = /nonexistent/secrets.yaml; };
  "b.c" = { name = "b.c"; sopsFile = "/tmp/realcode-src/sops-nix/README.md"; };
} { } { }).text

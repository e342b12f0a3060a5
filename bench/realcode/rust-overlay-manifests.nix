# rust-overlay's lib/manifests.nix over its generated manifests (stable, beta, nightly):
# every stable version's components and a sample of nightlies, forced.
let
  src = <realcode/rust-overlay>;
  lib = import <nixpkgs/lib>;
  m = import (src + "/lib/manifests.nix") { inherit lib; distRoot = "https://static.rust-lang.org/dist"; };
  summary = v: {
    inherit (v) version date;
    pkgs = builtins.attrNames v.pkg;
    rustTargets = builtins.attrNames (v.pkg.rust or { target = { }; }).target;
    cargo = v.pkg.cargo.target.x86_64-unknown-linux-gnu or null;
    profiles = v.profiles;
  };
in {
  stable = builtins.mapAttrs (_: summary) m.stable;
  betaCount = builtins.length (builtins.attrNames m.beta);
  nightlyCount = builtins.length (builtins.attrNames m.nightly);
  nightlyLatest = summary m.nightly.latest;
  betaLatest = summary m.beta.latest;
  rustExtra = m.stable.latest.pkg.rust.target.x86_64-unknown-linux-gnu;
}

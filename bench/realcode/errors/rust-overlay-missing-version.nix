# rust-overlay: a Rust version its manifests do not have (attribute missing, with the suggestions).
let
  lib = import <nixpkgs/lib>;
  m = import <realcode/rust-overlay/lib/manifests.nix> { inherit lib; distRoot = "https://static.rust-lang.org/dist"; };
in m.stable."1.80.3".version

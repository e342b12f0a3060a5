# flake-utils: eachSystem over a function that does not return a set.
let fu = import <realcode/flake-utils/lib.nix> { };
in fu.eachSystem [ "x86_64-linux" ] (system: "packages-${system}")

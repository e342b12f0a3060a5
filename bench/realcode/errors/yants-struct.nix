# divnix/yants: a struct given a field of the wrong type, under a log context (the message shows
# the value with lib.generators.toPretty, floats and nested sets included).
let
  lib = import <nixpkgs/lib>;
  yants = (import <realcode/yants/flake.nix>).outputs { nixpkgs.lib = lib; };
  person = with yants "realcode" "people"; struct "person" {
    name = string;
    age = int;
    scores = list float;
    contact = option (struct { email = string; });
  };
in person { name = "Brynhjulf"; age = 42.5; scores = [ 1.0 2.25 ]; contact = { email = "b@y.nix"; }; }

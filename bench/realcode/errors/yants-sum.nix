# divnix/yants: a sum type given two variants, and an enum given a value it does not have.
let
  lib = import <nixpkgs/lib>;
  yants = (import <realcode/yants/flake.nix>).outputs { nixpkgs.lib = lib; };
  creature = with yants; sum "creature" { human = struct { name = string; }; pet = enum "pet" [ "dog" "cat" ]; };
in [ (creature { pet = "cat"; }) (creature { pet = "lizard"; }) ]

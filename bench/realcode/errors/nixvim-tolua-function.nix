# nixvim: toLuaObject of a value it cannot render (a function).
let
  lib = (import <nixpkgs/lib>).extend (import <realcode/nixvim/lib/overlay.nix>);
in lib.nixvim.toLuaObject { a = 1; f = x: x; }

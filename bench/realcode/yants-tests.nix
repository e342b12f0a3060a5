# divnix/yants (a type system in Nix: structs, sums, enums, restrict, defun; its values printed
# by lib.generators.toPretty in its errors): its tests/default.nix, with a stand-in of TVL
# depot's runTestsuite (it, assertEq, assertThrows, assertDoesNotThrow over tryEval and
# deepSeq), each assertion's outcome; and the messages of failing checks, caught as yants'
# throws and compared as text through tryEval's failure (the messages themselves are in errors/).
let
  lib = import <nixpkgs/lib>;
  yants = (import <realcode/yants/flake.nix>).outputs { nixpkgs.lib = lib; };
  ok = e: (builtins.tryEval (builtins.deepSeq e e)).success;
  runTestsuite = {
    it = name: asserts: { inherit name asserts; };
    assertEq = name: a: b: { inherit name; ok = a == b; };
    assertThrows = name: e: { inherit name; ok = !(ok e); };
    assertDoesNotThrow = name: e: { inherit name; ok = ok e; };
    runTestsuite = name: its: { inherit name its; };
  };
  depot.nix = { inherit yants runTestsuite; };
  pkgs.stdenv.system = "x86_64-linux";
in {
  tests = import <realcode/yants/tests/default.nix> { inherit depot pkgs; };
  contexts = with yants "realcode" "driver"; [
    (ok (int 1)) (ok (string 1)) (ok ((list int) [ 1 "x" ])) (ok ((attrs float) { a = 1.5; }))
  ];
}

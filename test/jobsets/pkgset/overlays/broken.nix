# Attributes that fail, each in its own way; everything else must still be reported.
final: prev: {
  broken-throw = throw "broken-throw: this package is marked as broken";
  broken-assert = final.callPackage ({ stdenv, enableFeature ? false }:
    assert enableFeature;
    stdenv.mkDerivation { pname = "needs-feature"; version = "1"; }) { };
  broken-missing-dep = final.callPackage ({ stdenv, libDoesNotExist }: stdenv.mkDerivation {
    pname = "missing-dep";
    version = "1";
    buildInputs = [ libDoesNotExist ];
  }) { };
  broken-type = final.stdenv.mkDerivation { pname = "bad-version"; version = 1; };
  broken-abort = abort "broken-abort: refusing to evaluate";
  broken-recursion = let self = { inherit (self) name; type = "derivation"; }; in self;
  broken-outpath = final.hello // { outputs = [ "out" ]; out = { outPath = throw "broken-outpath: no output path"; }; };
  broken-set = final.lib.recurseIntoAttrs {
    good = final.hello.overrideAttrs (old: { pname = "hello-good"; });
    bad = final.hello.overrideAttrs (old: { pname = throw "broken-set.bad: no name"; });
  };
  # Loops until its time limit (10^15 steps) at a constant call depth, needing no more memory
  # (a tail-recursive loop would end at max-call-depth).
  broken-loop = let l = builtins.genList (x: x) 100000; in builtins.foldl' (a: i: builtins.foldl' (b: j: builtins.foldl' (c: k: c) b l) a l) 0 l;
}

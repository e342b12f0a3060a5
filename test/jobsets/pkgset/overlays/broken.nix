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
  # Loops until its time limit: each step is a tail call, so it needs no more memory.
  broken-loop = let spin = n: if n < 0 then null else spin (n + 1); in spin 0;
}

# Home Manager: a cycle in a DAG, as topoSort reports it (a value, not an error), then the error its users throw.
let
  lib = import <realcode/home-manager/modules/lib/stdlib-extended.nix> (import <nixpkgs/lib>);
  dag = lib.hm.dag;
  sorted = dag.topoSort { a = dag.entryAfter [ "b" ] "A"; b = dag.entryAfter [ "c" ] "B"; c = dag.entryAfter [ "a" ] "C"; d = dag.entryAnywhere "D"; };
in if sorted ? result then sorted.result else throw "Dependency cycle in activation script: ${builtins.toJSON sorted}"

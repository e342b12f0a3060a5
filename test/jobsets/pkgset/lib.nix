# The few functions of nixpkgs' lib that a package set is built from, written for this test
# set (C++ Nix 2.8 has every builtin they use).
rec {
  fix = f: let x = f x; in x;

  # An overlay (final: prev: { ... }) applied on top of a package set function.
  extends = overlay: f: final: let prev = f final; in prev // overlay final prev;

  composeExtensions = f: g: final: prev:
    let fApplied = f final prev; prev' = prev // fApplied; in fApplied // g final prev';

  composeManyExtensions = builtins.foldl' composeExtensions (final: prev: { });

  # Lets a package be built again with other arguments: pkg.override { dep = other; }.
  makeOverridable = f: origArgs:
    let
      result = f origArgs;
      overrideWith = newArgs: origArgs // (if builtins.isFunction newArgs then newArgs origArgs else newArgs);
    in
    if builtins.isAttrs result then result // { override = newArgs: makeOverridable f (overrideWith newArgs); } else result;

  # callPackage: a file (or function) called with what it asks for from `scope`, then `args`.
  callPackageWith = scope: fn: args:
    let f = if builtins.isFunction fn then fn else import fn;
    in makeOverridable f (builtins.intersectAttrs (builtins.functionArgs f) scope // args);

  # A nested package set with its own callPackage, extensible like the top level.
  makeScope = newScope: f:
    let self = f self // { newScope = scope: newScope (self // scope); callPackage = self.newScope { }; };
    in self;

  recurseIntoAttrs = attrs: attrs // { recurseForDerivations = true; };
  dontRecurseIntoAttrs = attrs: attrs // { recurseForDerivations = false; };

  range = first: last: if first > last then [ ] else builtins.genList (n: first + n) (last - first + 1);
  genAttrs = names: f: builtins.listToAttrs (map (n: { name = n; value = f n; }) names);
  optional = cond: x: if cond then [ x ] else [ ];
  optionals = cond: xs: if cond then xs else [ ];
  optionalAttrs = cond: attrs: if cond then attrs else { };
  mapAttrs' = f: set: builtins.listToAttrs (map (n: f n set.${n}) (builtins.attrNames set));
  nameValuePair = name: value: { inherit name value; };
  concatStringsSep = builtins.concatStringsSep;
}

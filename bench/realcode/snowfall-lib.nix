# snowfallorg/lib (Snowfall Lib) through its mkLib, over a small user flake in
# fixtures/snowfall-user (given as a path, so copied to the store: nix-instantiate needs --read-write-mode)
# and over the same tree as a string: the user lib (callPackageWith over every default.nix of lib/,
# merged deep), fs discovery (readDir, pathExists, default/non-default nix files, recursive),
# path helpers (split-file-extension through match, parent directory), module, overlay,
# template and package creation (module names from replaceStrings on store paths and
# unsafeDiscardStringContext), system and home metadata, virtual system types. flake-utils-plus
# is numtide/flake-utils' lib (filterPackages, allSystems); stand-in pkgs.
let
  nixpkgs = { lib = import <nixpkgs/lib>; };
  inherit (nixpkgs) lib;
  flake-utils-plus = { lib = import <realcode/flake-utils/lib.nix> { }; };
  fake = name: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; };
  pkgs = { stdenv.hostPlatform.system = "x86_64-linux"; hello = fake "hello"; inherit lib; };
  mk = src: namespace: import <realcode/snowfall-lib/snowfall-lib> {
    inherit nixpkgs flake-utils-plus;
    src = <realcode/snowfall-lib>;
  } {
    inputs = { self = { pkgs.x86_64-linux.nixpkgs = pkgs; }; nixpkgs = nixpkgs; other = { lib.greet = "hi"; }; };
    inherit src;
    snowfall = { inherit namespace; meta.name = "fixture"; };
  };
  report = src: namespace:
    let
      l = mk src namespace;
      s = l.snowfall;
      strip = builtins.unsafeDiscardStringContext;
      rel = p: lib.removePrefix (strip "${src}") (strip (toString p));
      mods = s.module.create-modules { src = "${src}/modules/nixos"; alias.default = "bar"; };
      homeMods = s.module.create-modules { src = "${src}/modules/home"; };
      mod = m: let r = m { pkgs = pkgs; lib = lib; config = { }; system = "x86_64-linux"; target = "x86_64-iso"; }; in
        { file = rel r._file; config = r.config or null; options = lib.mapAttrsRecursiveCond (v: !(v ? _type)) (p: v: "${v._type}: ${v.description or ""} ${toString v.default}") (r.options or { }); };
      overlays = s.overlay.create-overlays-builder { src = "${src}/overlays"; extra-overlays = [ (f: p: { extra = 1; }) ]; } { nixpkgs = pkgs; };
      applied = lib.fix (lib.foldl' (acc: o: lib.extends o acc) (self: pkgs) overlays);
      packages = s.package.create-packages { channels = { nixpkgs = pkgs; }; src = "${src}/packages"; alias.default = "hello-x"; };
    in {
      user = { inherit (l) ns has-self deep; shouted = l.shout "snow"; };
      top-level = builtins.attrNames (lib.filterAttrs (n: v: !builtins.isAttrs v) s);
      greet = l.greet or "none";
      fs = {
        files = map rel (s.fs.get-files-recursive src);
        nix = map rel (s.fs.get-nix-files-recursive src);
        default = map rel (s.fs.get-default-nix-files-recursive src);
        non-default = map rel (s.fs.get-non-default-nix-files-recursive src);
        dirs = map rel (s.fs.get-directories src);
        missing = s.fs.safe-read-directory "${src}/nope";
        kinds = s.fs.safe-read-directory "${src}/lib";
        file = rel (s.fs.get-file "systems");
        snowfall-file = rel (s.fs.get-snowfall-file "homes");
      };
      path = map (f: {
        split = builtins.tryEval (s.path.split-file-extension f);
        any = s.path.has-any-file-extension f;
        ext = s.path.get-file-extension f;
        isNix = s.path.has-file-extension "nix" f;
        parent = s.path.get-parent-directory f;
        noext = builtins.tryEval (s.path.get-file-name-without-extension f);
      }) [ "a/b/c.nix" "archive.tar.gz" "noext" ".hidden" "dir.d/file" "x.y.z" ];
      modules = lib.mapAttrs (n: m: mod m) mods;
      home-modules = builtins.attrNames homeMods;
      overlay = { inherit (applied) fromOverlay extra; ns = builtins.attrNames applied.${namespace}; };
      packages = lib.mapAttrs (n: p: { inherit (p) name; path = rel p.meta.snowfall.path; }) packages;
      templates = lib.mapAttrs (n: t: rel t.path) (s.template.create-templates { src = "${src}/templates"; alias.default = "rust"; });
      systems = map (m: m // { path = rel m.path; }) (lib.concatMap s.system.get-target-systems-metadata (s.fs.get-directories "${src}/systems"));
      homes = map (m: m // { path = rel m.path; }) (lib.concatMap s.home.get-target-homes-metadata (s.fs.get-directories "${src}/homes"));
      split = map s.home.split-user-and-host [ "alice@laptop" "bob" "a@b@c" ];
      virtual = map (t: { inherit t; v = s.system.get-virtual-system-type t; d = s.system.is-darwin t; l = s.system.is-linux t; i = s.system.is-virtual t; }) [ "x86_64-iso" "aarch64-darwin" "x86_64-linux" "x86_64-vmware" "x86_64-install-iso" ];
      inferred = s.system.get-inferred-system-name "${src}/systems/x86_64-linux/laptop";
      fp = { c = s.fp.compose (x: x + 1) (x: x * 2) 5; ca = s.fp.compose-all [ (x: x + 1) (x: x * 3) ] 2; ap = s.fp.apply 3 (x: x * x); };
      attrs = { mc = s.attrs.map-concat-attrs-to-list (n: v: [ n v ]) { a = 1; b = 2; }; md = s.attrs.merge-deep [ { a.b = 1; } { a.c = 2; } ]; };
    };
in {
  path = report ./fixtures/snowfall-user "acme";
  string = report (toString ./fixtures/snowfall-user) "internal";
}

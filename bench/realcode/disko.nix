# disko's lib over every example/*.nix (its module type `toplevel` evaluated by evalModules as
# its default.nix does): the NixOS configuration each layout gives (`_config`: fileSystems,
# boot, swap, ...), its create, mount, unmount and destroy scripts (text), and its `_meta`'s
# names and device dependencies (bcachefs' `_meta` holds a function: a functionTo not applied). No pkgs is needed for these.
let
  src = <realcode/disko>;
  lib = import <nixpkgs/lib>;
  diskoLib = import (src + "/lib") { inherit lib; makeTest = null; eval-config = null; qemu-common = null; };
  eval = cfg: (lib.evalModules {
    modules = [ {
      imports = [ { disko.devices = cfg.disko.devices; } ];
      options.disko.devices = lib.mkOption { type = diskoLib.toplevel; };
    } ];
  }).config.disko.devices;
  examples = lib.filterAttrs (n: t: t == "regular" && lib.hasSuffix ".nix" n) (builtins.readDir (src + "/example"));
  run = name: _:
    let
      imported = import (src + "/example/${name}");
      cfg = if builtins.isFunction imported then imported { inherit lib; } else imported;
      d = eval cfg;
      r = builtins.tryEval (builtins.deepSeq [ d._config d._create d._mount d._unmount d._destroy (d._meta.deviceDependencies or { }) ] {
        config = d._config;
        create = d._create;
        mount = d._mount;
        unmount = d._unmount;
        destroy = d._destroy;
        meta = builtins.attrNames d._meta;
        deviceDependencies = d._meta.deviceDependencies or { };
      });
    in if r.success then r.value else "failed";
in builtins.mapAttrs run examples

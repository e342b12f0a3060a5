# disko: an lvm volume of a size that does not parse (an assertion or type check in disko's lvm_vg type).
let
  lib = import <nixpkgs/lib>;
  diskoLib = import <realcode/disko/lib> { inherit lib; makeTest = null; eval-config = null; qemu-common = null; };
  d = (lib.evalModules { modules = [ {
    options.disko.devices = lib.mkOption { type = diskoLib.toplevel; };
    config.disko.devices = {
      disk.main = { device = "/dev/sda"; type = "disk"; content = { type = "gpt"; partitions.root = { size = "1O0M"; content = { type = "filesystem"; format = "ext4"; mountpoint = "/"; }; }; }; };
    };
  } ]; }).config.disko.devices;
in d._create

# disko: a device content of a type it does not know (disko's subType error through the module system).
let
  lib = import <nixpkgs/lib>;
  diskoLib = import <realcode/disko/lib> { inherit lib; makeTest = null; eval-config = null; qemu-common = null; };
  d = (lib.evalModules { modules = [ {
    options.disko.devices = lib.mkOption { type = diskoLib.toplevel; };
    config.disko.devices.disk.main = { device = "/dev/sda"; type = "disk"; content = { type = "gptt"; partitions = { }; }; };
  } ]; }).config.disko.devices;
in d._config

# Out-of-tree modules built against one kernel.
{ stdenv, kernel, count }:
builtins.listToAttrs (builtins.genList
  (i: {
    name = "module${toString (i + 1)}";
    value = stdenv.mkDerivation {
      pname = "module${toString (i + 1)}";
      version = "${toString i}-${kernel.version}";
      buildInputs = [ kernel.dev ];
      KERNEL_DIR = "${kernel.dev}/lib/modules/${kernel.modDirVersion}/build";
    };
  })
  count)
// { inherit kernel; }

# The standard environment: bootstrap derivations, and mkDerivation, which wraps `derivation`
# as nixpkgs' does: name from pname and version, several outputs, meta and passthru, and
# overrideAttrs.
{ lib, system }:
let
  bootstrapTools = derivation {
    name = "bootstrap-tools";
    inherit system;
    builder = "/bin/sh";
    args = [ "-c" "unpack-bootstrap-tools" ];
    outputHashMode = "recursive";
    outputHashAlgo = "sha256";
    outputHash = "0kzzdzwrvifqc8nbi4qpbq0la6ra9j1l5vqjfddfx3ssnzkj3dzx";
  };
  bash = derivation {
    name = "bash-5.2-p15";
    inherit system;
    builder = "${bootstrapTools}/bin/sh";
    args = [ "-c" "build-bash" ];
  };
  setup = derivation {
    name = "stdenv-linux";
    inherit system;
    builder = "${bash}/bin/bash";
    args = [ "-c" "write-setup" ];
    initialPath = [ bootstrapTools ];
    preHook = "export LC_ALL=C";
  };

  mkDerivation =
    { pname
    , version
    , buildInputs ? [ ]
    , nativeBuildInputs ? [ ]
    , propagatedBuildInputs ? [ ]
    , outputs ? [ "out" ]
    , meta ? { }
    , passthru ? { }
    , ...
    }@attrs:
    let
      drvAttrs = removeAttrs attrs [ "meta" "passthru" "pname" "version" ] // {
        name = "${pname}-${version}";
        inherit system outputs buildInputs nativeBuildInputs propagatedBuildInputs;
        builder = "${bash}/bin/bash";
        args = [ "-e" ./builder.sh ];
        stdenv = setup;
      };
      drv = derivation drvAttrs;
    in
    drv // passthru // {
      inherit pname version;
      meta = {
        name = drvAttrs.name;
        available = true;
        outputsToInstall = [ (builtins.head outputs) ];
      } // meta;
      overrideAttrs = f: mkDerivation (attrs // f attrs);
    };
in
setup // { inherit mkDerivation bash bootstrapTools; shell = "${bash}/bin/bash"; }

{ stdenv, python3 }:
{ pname, version, propagatedBuildInputs ? [ ], ... }@attrs:
stdenv.mkDerivation (attrs // {
  pname = "python3.11-${pname}";
  nativeBuildInputs = [ python3 ];
  inherit propagatedBuildInputs;
  passthru = { pythonModule = python3; };
})

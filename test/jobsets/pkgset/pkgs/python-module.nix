{ buildPythonPackage, fetchurl, pname, propagated }:
buildPythonPackage rec {
  inherit pname;
  version = "0.${toString (builtins.stringLength pname)}.1";
  src = fetchurl { url = "https://pypi.org/packages/source/${pname}-${version}.tar.gz"; sha256 = builtins.hashString "sha256" "py:${pname}"; };
  propagatedBuildInputs = propagated;
  doCheck = false;
  meta = { description = "Python module ${pname}"; };
}

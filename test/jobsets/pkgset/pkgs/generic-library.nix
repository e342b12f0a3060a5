# The generated libraries of the top level.
{ stdenv, fetchurl, zlib, pname, deps ? [ ] }:
stdenv.mkDerivation rec {
  inherit pname;
  version = "1.0.${toString (builtins.stringLength pname)}";
  src = fetchurl {
    url = "https://example.org/${pname}-${version}.tar.gz";
    sha256 = builtins.hashString "sha256" pname;
  };
  buildInputs = [ zlib ] ++ deps;
  outputs = if builtins.stringLength pname > 5 then [ "out" "dev" ] else [ "out" ];
  meta = { description = "Generated library ${pname}"; };
}

# With structured attributes: the derivation's attributes travel as JSON.
{ stdenv, fetchurl, curl, openssl, zlib, perl, python3 }:
stdenv.mkDerivation rec {
  pname = "git";
  version = "2.44.0";
  __structuredAttrs = true;
  src = fetchurl {
    url = "https://www.kernel.org/pub/software/scm/git/git-${version}.tar.xz";
    sha256 = "sha256-5xRB5ZZ5XeTW6S0MAM1ziDwNd0Hy6Y1GotB1nyqKwnI=";
  };
  outputs = [ "out" "doc" ];
  buildInputs = [ curl openssl zlib ];
  nativeBuildInputs = [ perl python3 ];
  makeFlags = [ "prefix=\${out}" "USE_LIBPCRE2=1" ];
  requiredSystemFeatures = [ "big-parallel" ];
  env = { NIX_CFLAGS_COMPILE = "-O2"; };
  meta = { description = "Distributed version control system"; license = { spdxId = "GPL-2.0"; free = true; }; };
}

{ stdenv, fetchurl, openssl, zlib }:
stdenv.mkDerivation rec {
  pname = "python3";
  version = "3.11.9";
  src = fetchurl { url = "https://www.python.org/ftp/python/${version}/Python-${version}.tar.xz"; sha256 = "sha256-mx6JZSP8UQaREmyGRAbZNgo9Hphqy9pZzaV7Wr2kW4c="; };
  buildInputs = [ openssl zlib ];
  passthru = { sitePackages = "lib/python3.11/site-packages"; pythonVersion = "3.11"; };
  meta = { description = "A high-level dynamically-typed programming language"; priority = 5; };
}

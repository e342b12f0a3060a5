{ stdenv, fetchurl, openssl, zlib, perl }:
stdenv.mkDerivation rec {
  pname = "curl";
  version = "8.7.1";
  src = fetchurl {
    url = "https://curl.haxx.se/download/curl-${version}.tar.bz2";
    sha256 = "sha256-BbZl4KJs1dMrnqj3kk2TebIdhR/GdSY4M0fIqgPOKhg=";
  };
  outputs = [ "bin" "dev" "out" "man" ];
  nativeBuildInputs = [ perl ];
  propagatedBuildInputs = [ openssl zlib ];
  configureFlags = [ "--with-ssl=${openssl.dev}" "--with-zlib=${zlib.dev}" ];
  meta = { description = "A command line tool for transferring files with URL syntax"; mainProgram = "curl"; };
}

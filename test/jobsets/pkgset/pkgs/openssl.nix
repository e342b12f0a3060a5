{ stdenv, fetchurl, zlib, perl }:
stdenv.mkDerivation rec {
  pname = "openssl";
  version = "3.0.13";
  src = fetchurl {
    url = "https://www.openssl.org/source/openssl-${version}.tar.gz";
    sha256 = "88525753f79d3bec27d2fa7c66aa0b92b3aa9498dafd93d7cfa4b3780cdae313";
  };
  outputs = [ "bin" "dev" "out" "man" "doc" ];
  nativeBuildInputs = [ perl ];
  buildInputs = [ zlib ];
  configureFlags = [ "shared" "--libdir=lib" "--openssldir=etc/ssl" ];
  separateDebugInfo = true;
  meta = {
    description = "A cryptographic library that implements the SSL and TLS protocols";
    homepage = "https://www.openssl.org/";
    license = { spdxId = "Apache-2.0"; free = true; };
    platforms = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" ];
    priority = 10;
  };
}

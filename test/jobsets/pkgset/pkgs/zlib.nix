{ stdenv, fetchurl }:
stdenv.mkDerivation rec {
  pname = "zlib";
  version = "1.3";
  src = fetchurl {
    url = "https://zlib.net/zlib-${version}.tar.gz";
    sha256 = "sha256-/wukwpIBPbwnUws6geH5qBPNOd4Byl4Pi/NVcC76WT4=";
  };
  outputs = [ "out" "dev" "static" ];
  meta = { description = "Lossless data-compression library"; license = { spdxId = "Zlib"; free = true; }; };
}

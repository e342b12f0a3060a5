{ stdenv, fetchurl, perl, version }:
stdenv.mkDerivation {
  pname = "linux";
  inherit version;
  src = fetchurl { url = "mirror://kernel/linux-${version}.tar.xz"; sha256 = builtins.hashString "sha256" "linux-${version}"; };
  outputs = [ "out" "dev" ];
  nativeBuildInputs = [ perl ];
  requiredSystemFeatures = [ "big-parallel" ];
  passthru = { modDirVersion = version; };
  meta = { description = "The Linux kernel"; };
}

# fetchurl: a fixed-output derivation (its path follows from the expected hash).
{ stdenv }:
{ url, sha256, name ? baseNameOf url }:
derivation {
  inherit name url;
  system = stdenv.system;
  builder = stdenv.shell;
  args = [ "-c" "fetch-url" ];
  outputHashMode = "flat";
  outputHashAlgo = "sha256";
  outputHash = sha256;
  preferLocalBuild = true;
}

{ lib, stdenv, fetchurl, perl, count }:
builtins.listToAttrs (builtins.genList
  (i:
    let name = "Perl-Mod-${toString (i + 1)}"; in {
      inherit name;
      value = stdenv.mkDerivation {
        pname = "perl5.38-${name}";
        version = "1.${toString i}";
        src = fetchurl { url = "mirror://cpan/${name}.tar.gz"; sha256 = builtins.hashString "sha256" "pl:${name}"; };
        nativeBuildInputs = [ perl ];
      };
    })
  count)

{ stdenv, fetchurl, zlib }:
stdenv.mkDerivation rec {
  pname = "perl";
  version = "5.38.2";
  src = fetchurl { url = "mirror://cpan/src/5.0/perl-${version}.tar.gz"; sha256 = "sha256-oKMVNEUet7g8fWWUpJdUOlTUiLyQygD140diV39AZV4="; };
  outputs = [ "out" "man" "devdoc" ];
  buildInputs = [ zlib ];
  meta = { description = "The standard implementation of the Perl 5 programming language"; };
}

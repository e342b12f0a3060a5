{ stdenv, fetchurl, greeting ? "Hello, world!" }:
stdenv.mkDerivation rec {
  pname = "hello";
  version = "2.12.1";
  src = fetchurl {
    url = "mirror://gnu/hello/hello-${version}.tar.gz";
    sha256 = "086vqwk2wl8zfs47sq2xpjc9k066ilmb8z6dn0q6ymwjzlm196cd";
  };
  GREETING = greeting;
  doCheck = true;
  requiredSystemFeatures = [ "kvm" "big-parallel" "kvm" ];
  passthru.tests = { version = "hello --version"; };
  meta = {
    description = "A program that produces a familiar, friendly greeting";
    longDescription = ''
      GNU Hello is a program that prints "Hello, world!" when you run it.
      It is fully customizable: ünïcödé included.
    '';
    homepage = "https://www.gnu.org/software/hello/manual/";
    license = { spdxId = "GPL-3.0-or-later"; free = true; url = "https://spdx.org/licenses/GPL-3.0-or-later.html"; };
    maintainers = [ { name = "Alice"; email = "alice@example.org"; github = "alice"; githubId = 1234567; } ];
    platforms = [ "x86_64-linux" "aarch64-linux" "i686-linux" ];
    timeout = 3.5;
    hydraPlatforms = [ ];
    broken = false;
    # Not shown: a derivation, a function, a null, a path.
    pkg = stdenv;
    isFriendly = x: true;
    unset = null;
    file = ./hello.nix;
  };
}

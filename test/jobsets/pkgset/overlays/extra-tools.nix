# An overlay that adds packages, a walked set of its own, and a member of a nested set.
final: prev: {
  myTools = final.lib.recurseIntoAttrs {
    jq = final.callPackage ({ stdenv, fetchurl }: stdenv.mkDerivation {
      pname = "jq";
      version = "1.7.1";
      src = fetchurl { url = "https://github.com/jqlang/jq/jq-1.7.1.tar.gz"; sha256 = "sha256-R4ycoSn9LjRD/icxS0VeIR4NjGC8j/ffcDhz3u7lgMI="; };
      outputs = [ "bin" "doc" "man" "dev" "lib" "out" ];
    }) { };
    ripgrep = final.callPackage ({ stdenv, zlib }: stdenv.mkDerivation {
      pname = "ripgrep";
      version = "14.1.0";
      buildInputs = [ zlib ];
    }) { };
    # A function with arguments that have defaults: it is called (jobsets call functions).
    withDefaults = { flavour ? "plain" }: final.hello.overrideAttrs (old: { pname = "hello-${flavour}"; });
    "with.dots" = final.hello.overrideAttrs (old: { pname = "hello-dotted"; });
    # The same derivation under a second name is reported twice.
    hello = final.hello;
  };
  python3Packages = prev.python3Packages // {
    extra-module = prev.python3Packages.callPackage ./../pkgs/python-module.nix { pname = "extra-module"; propagated = [ prev.python3Packages.py-mod1 ]; };
  };
}

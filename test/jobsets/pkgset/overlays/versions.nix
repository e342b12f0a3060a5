# An overlay that changes packages the others depend on: everything built on them changes too.
final: prev: {
  zlib = prev.zlib.overrideAttrs (old: { version = "1.3.1"; patches = [ "fix-cve.patch" ]; });
  hello = prev.hello.override { greeting = "Hi there"; };
  openssl_1_1 = prev.openssl.overrideAttrs (old: { version = "1.1.1w"; });
}

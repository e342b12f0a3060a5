# niv's nix/sources.nix over local sources of each type it fetches with builtins: file
# (fetchurl of a file:// URL), tarball (fetchTarball of a file:// .tar.gz), git (fetchGit of a
# local repository by tag and by branch) and local; the names sanitised as niv does, the
# outPaths, and a NIV_OVERRIDE_* not set. The fixture (niv-fixture/: file.txt, tree.tar.gz, a
# repository) is made by scripts/realcode.ts, byte for byte the same each time.
# nix-instantiate needs --read-write-mode (the fetchers add to the store).
let
  fixture = toString <realcode/niv-fixture>;
  sources = import <realcode/niv/nix/sources.nix> {
    pkgs = { };
    system = "x86_64-linux";
    sources = {
      "some file" = { type = "file"; url = "file://${fixture}/file.txt"; sha256 = "0b840j9ppag2fldvs339649wvxsxl3svkrd2ajccrc3cfl6pypfx"; };
      ".dotted.tree" = { type = "tarball"; url = "file://${fixture}/tree.tar.gz"; sha256 = "04zvlkhcg5m7dgmk7hjp7ac9cdj6fylvq6j4aw08sqqxbiccj4l3"; };
      repo-tag = { type = "git"; repo = "${fixture}/repo"; rev = "227e48298682169c06ea787a2745d7c7da37a7ac"; tag = "v1"; };
      repo-branch = { type = "git"; repo = "${fixture}/repo"; rev = "227e48298682169c06ea787a2745d7c7da37a7ac"; branch = "main"; };
      here = { type = "local"; path = <realcode/niv-fixture/tree>; };
    };
  };
in builtins.mapAttrs (name: s: {
  inherit (s) type;
  path = toString s.outPath;
  files = if s.type == "file" then builtins.readFile s.outPath else builtins.readDir s.outPath;
}) sources

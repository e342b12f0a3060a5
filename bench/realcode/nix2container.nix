# nlewo/nix2container's Nix lib (default.nix) through its examples/ (18 images: layers,
# permissions, copyToRoot, nested layers, initializeNixDatabase, pulled images and a pulled
# manifest read by importJSON) with a stand-in pkgs whose runCommand, writers, buildEnv and
# buildGoModule make real derivations: closureGraph's derivation has __structuredAttrs with
# exportReferencesGraph and outputChecks (its attributes become the derivation's __json), pullImage
# is a recursive fixed-output derivation, pullImageFromManifest's blobs are flat ones named by
# digest. Printed: every image's drvPath and passthru (imageName, imageTag from the output path,
# imageRefUnsafe), the layers' drvPaths, and the deprecated `contents` warning. The Go program's
# source (lib.fileset over Git) is left out of the stand-in's derivation.
let
  lib = import <nixpkgs/lib>;
  system = "x86_64-linux";
  strip = a: builtins.removeAttrs a [ "meta" "passthru" ];
  drv = a: derivation ({ inherit system; builder = "/bin/sh"; } // strip a) // { meta = a.meta or { }; } // (a.passthru or { });
  pkg = name: drv { inherit name; } // { overrideAttrs = f: drv ({ inherit name; nativeBuildInputs = [ ]; } // f { nativeBuildInputs = [ ]; }); };
  pkgs = lib.genAttrs [ "hello" "bash" "bashInteractive" "coreutils" "nginx" "nix" "readline" "jq" "sqlite" "cacert" "skopeo" "patchutils" "uwsgi" "python3" ] pkg // {
    inherit lib;
    stdenv = { isDarwin = false; isLinux = true; hostPlatform.system = system; };
    go = pkg "go" // { GOARCH = "amd64"; };
    callPackage = lib.callPackageWith (pkgs // { inherit pkgs nix2container; });
    # Names go through lib.strings.sanitizeDerivationName (pullImageFromManifest names its
    # derivations after "library/alpine"; a `/` fails current Nix's early name check).
    runCommand = name: env: buildCommand: drv (env // { name = lib.strings.sanitizeDerivationName name; inherit buildCommand; });
    runCommandLocal = name: env: buildCommand: drv (env // { inherit name buildCommand; preferLocalBuild = true; });
    writeText = name: text: drv { name = lib.strings.sanitizeDerivationName name; inherit text; passAsFile = [ "text" ]; };
    writeTextDir = path: text: drv { name = baseNameOf path; inherit path text; };
    writeScript = name: text: drv { inherit name text; executable = true; };
    writeShellApplication = a: drv { inherit (a) name text; runtimeInputs = a.runtimeInputs or [ ]; };
    buildEnv = a: drv { inherit (a) name paths; pathsToLink = a.pathsToLink or [ "/" ]; };
    buildGoModule = a: drv { name = "${a.pname}-${a.version}"; inherit (a) vendorHash ldflags; } // { src = builtins.toFile "nix2container-source" "stand-in"; };
    fetchpatch2 = a: drv { name = baseNameOf a.url; inherit (a) url postFetch; outputHash = a.sha256; outputHashMode = "recursive"; outputHashAlgo = null; };
    dockerTools.fakeNss = pkg "fake-nss";
    uwsgi = pkg "uwsgi" // { override = a: pkg "uwsgi-${builtins.concatStringsSep "-" a.plugins}"; };
    python3 = pkg "python3" // { withPackages = f: drv { name = "python3-env"; paths = f { flask = pkg "flask"; }; }; };
  };
  n2c = import <realcode/nix2container> { inherit pkgs; };
  inherit (n2c) nix2container;
  images = import <realcode/nix2container/examples> { inherit pkgs nix2container; };
  show = i: {
    inherit (i) drvPath imageName imageRefUnsafe;
    tag = i.imageTag;
    from = if builtins.isAttrs i.fromImage then i.fromImage.drvPath else i.fromImage;
    copy = i.copyToRegistry.drvPath;
  };
  layer = nix2container.buildLayer { deps = [ pkgs.hello ]; copyToRoot = [ pkgs.bash ]; perms = [ { path = pkgs.bash; regex = ".*"; mode = "0755"; } ]; maxLayers = 4; metadata = { author = "me"; created_by = "realcode"; }; };
  deprecated = nix2container.buildImage { name = "Old-Style"; tag = "v1"; contents = [ pkgs.hello ]; layers = [ layer (nix2container.buildLayer { layers = [ layer ]; deps = [ pkgs.nix ]; reproducible = false; }) ]; };
in {
  images = lib.mapAttrs (n: i: if i ? imageName then show i else if i ? drvPath then { inherit (i) drvPath; } else lib.mapAttrs (_: v: v.drvPath or (builtins.typeOf v)) i) images;
  layer = { inherit (layer) drvPath; nested = map (l: l.drvPath) layer.nestedLayers; };
  deprecated = show deprecated;
  bin = n2c.nix2container-bin.drvPath;
  skopeo = n2c.skopeo-nix2container.drvPath;
}

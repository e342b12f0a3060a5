# cachix/devenv's module tree (src/modules/top-level.nix: 58 languages, 43 services,
# integrations, process managers, tasks, containers, ... found by readDir) through
# lib.evalModules with class "devenv" and a stand-in pkgs (fake packages and writers), and every
# visible option of lib.optionAttrSetToDocList with its name, type description, description and
# declarations (an option whose rendering throws listed as failed, in both evaluators); then a
# small configuration's env, enterShell-independent values: languages and services that are
# off give nothing, so the option list is most of the work.
let
  lib = import <nixpkgs/lib>;
  fake = name: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; } // { pname = name; version = "1.0"; meta.mainProgram = name; };
  # Every package the modules name (pkgs.NAME in src/modules, 256 names), each a fake package
  # that answers the calls the modules make of it (override, withPackages, ...).
  rich = name: fake name // {
    override = _: rich name; overrideAttrs = _: rich name; withPackages = _: rich name; withLibraries = _: rich name;
    passthru = { }; dev = fake "${name}-dev"; doc = fake "${name}-doc"; buildEnv = _: rich name; pg_config = fake "pg_config"; nc = fake "nc";
    packagesWith = _: nested; plugins = nested; pkgs = nested; ocamlPackages = nested; ocamlPackages_4_12 = nested;
    usrBinEnv = fake "usr-bin-env"; rustLibSrc = fake "rust-lib-src"; bintools = fake "bintools";
    __functor = self: _: rich name;
  };
  nested = lib.genAttrs [ "erlang" "sdk_8_0" "discovery-ec2" "elm-language-server" "idris2Lsp" "ocaml-lsp" "composer" "foo" "manylinux2014Package" "languageserver" "modules" "elixir" "rebar3" "hex" "ocaml" "dune_3" "findlib" "utop" ] rich;
  pkgs = lib.genAttrs [ "R" "adminer" "android-studio" "ansible" "ansible-language-server" "ansible-lint" "apacheKafka" "apple-sdk" "apple-sdk_15" "aws-vault" "awscli2" "awslabs-iam-mcp-server" "bash" "bash-language-server" "bashInteractive" "bats" "beam" "beamPackages" "blackfire" "buildGoModule" "buildPackages" "buildRustCrate" "bun" "bundler" "bundlerEnv" "cabal-install" "cacert" "caddy" "cassandra_4" "ccls" "clang" "clickhouse" "clojure" "clojure-lsp" "cockroachdb" "config" "coreutils" "coreutils-full" "couchdb3" "crystal" "crystalline" "csharp-ls" "cue" "cuelsp" "curl" "dart" "delta" "delve" "deno" "difftastic" "docker-client" "dockerTools" "dotnet-sdk" "dotnetCorePackages" "dynamodb-local" "elasticmq-server-bin" "elasticsearch7" "elasticsearchPlugins" "elixir" "elixir-ls" "elmPackages" "emptyFile" "envsubst" "erlang-language-platform" "fetchFromGitHub" "flutter" "foo" "fortls" "garage-webui" "garage_2" "gawk" "gdb" "gfortran" "ghc" "git" "gitnr" "gleam" "glibcLocalesUtf8" "gnugrep" "go" "go-jsonnet" "go-tools" "gomodifytags" "gopls" "gotests" "gotools" "gradle" "haskell-language-server" "hello" "helm-ls" "hivemind" "honcho" "hostctl" "icu" "idris" "idris2" "idris2Packages" "iferr" "impl" "influxdb2-cli" "influxdb2-server" "jdk" "jdk17" "jdk8" "jdt-language-server" "jq" "jsonnet-language-server" "julia-bin" "keycloak" "kotlin-language-server" "kubernetes-helm" "kubernetes-helmPlugins" "lazarus" "lean4" "libGL" "libiconv" "libpq" "libressl" "linkFarm" "linkFarmFromDrvs" "lldb" "llvmPackages" "lobster" "lua" "lua-language-server" "mailcap" "mailhog" "mailpit" "makeWrapper" "mariadb" "maven" "meilisearch" "memcached" "metals" "millet" "minio" "minio-client" "mkcert" "mlton" "mold-wrapped" "mongodb-ce" "mongodb-tools" "mongosh" "moreutils" "mosquitto" "mprocs" "narHash" "nats-server" "ncdu" "netcat" "nginx" "nim" "nimlangserver" "nix" "nixd" "nixseparatedebuginfod2" "nodejs-slim" "nssTools" "ocaml-ng" "ocamlPackages" "ocamlformat" "odin" "ols" "opensearch" "openssl" "opentelemetry-collector-contrib" "opentofu" "overmind" "path" "perlnavigator" "php" "phpPackages" "phpactor" "pkg-config" "pkl" "pkl-lsp" "pnpm" "poetry" "postgresql" "postgresql_15" "pre-commit" "prek" "process-compose" "prometheus" "pyright" "python3" "python3Packages" "pythonManylinuxPackages" "rPackages" "rWrapper" "rabbitmq-server" "racket-minimal" "radianWrapper" "redis" "requiredPythonModules" "roboto" "ruby" "runCommandLocal" "rust-analyzer" "rustPlatform" "scala_3" "sdk" "shards" "smlfmt" "socat" "solargraph" "solc" "sourcekit-lsp" "sqld" "sqlite" "stack" "starship" "su" "sudo" "swift" "tailscale" "targetPackages" "temporal-cli" "terraform" "terraform-ls" "texlab" "texliveBasic" "texliveSmall" "tfsec" "tideways-cli" "tideways-daemon" "tinymist" "trafficserver" "type" "typescript" "typescript-language-server" "typesense" "typst" "typstyle" "tzdata" "unison-ucm" "uv" "vala" "vala-language-server" "vala_0_54" "valgrind" "varnish" "varnish73Packages" "vault-bin" "vim" "vlang" "vulkan-loader" "vulnix" "wild" "wiremock" "writeScript" "writeScriptBin" "writeTextDir" "yarn" "zig" "zls" ] rich // {
    inherit lib;
    system = "x86_64-linux";
    stdenv = { hostPlatform = lib.systems.elaborate "x86_64-linux"; buildPlatform = lib.systems.elaborate "x86_64-linux"; isLinux = true; isDarwin = false; system = "x86_64-linux"; };
    writeText = n: _: fake n; writeTextFile = a: fake a.name; writeShellScript = n: _: fake n; writeShellScriptBin = n: _: fake n;
    writeShellApplication = a: fake a.name; symlinkJoin = a: fake a.name; buildEnv = a: fake a.name; runCommand = n: _: _: fake n;
    appendOverlays = _: pkgs; callPackage = _: _: fake "called"; formats = lib.genAttrs [ "json" "yaml" "yaml_1_1" "yaml_1_2" "toml" "ini" "iniWithGlobalSection" "keyValue" "elixirConf" "lua" "xml" "php" "nixConf" "pythonVars" "javaProperties" ] (f: _: { type = lib.types.attrsOf lib.types.anything; generate = n: _: fake n; }); mkShell = a: fake "shell";
  };
  r = lib.evalModules {
    class = "devenv";
    modules = [ <realcode/devenv/src/modules/top-level.nix> { _module.args.pkgs = lib.mkForce pkgs; _module.check = false; } ];
    specialArgs = { inputs = { }; };
  };
  docs = lib.optionAttrSetToDocList r.options;
  one = o: let t = builtins.tryEval (builtins.deepSeq [ o.name o.type o.description o.declarations ] { inherit (o) name type description declarations; }); in if t.success then t.value else { failed = o.name or "?"; };
in map one (builtins.filter (o: o.visible or true) docs)

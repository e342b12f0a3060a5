# cachix/devenv's module tree (src/modules/top-level.nix) with a configuration of its examples'
# kind (languages, services, processes, scripts, tasks, env, git-hooks off), stand-in pkgs as in
# devenv-options.nix; printed: env, enterShell, each process's exec, scripts, tasks, assertions,
# warnings: what a `devenv shell` would evaluate before building.
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
    modules = [ <realcode/devenv/src/modules/top-level.nix> { _module.args.pkgs = lib.mkForce pkgs; } {
      name = "realcode";
      devenv.root = "/tmp/realcode-project";
      devenv.dotfile = "/tmp/realcode-project/.devenv";
      devenv.cli.version = "2.1.0";
      devenv.tmpdir = "/tmp/realcode-project/.devenv/tmp";
      devenv.runtime = "/tmp/realcode-project/.devenv/run";
      process.manager.implementation = "native";
      task.package = pkgs.bash;
      env = { GREET = "hello"; NUM = 3; FLAG = true; };
      packages = [ pkgs.git pkgs.jq ];
      enterShell = "echo hello\n${pkgs.git}/bin/git --version";
      languages.rust.enable = true;
      languages.go.enable = true;
      languages.javascript = { enable = true; npm.enable = true; };
      languages.nix.enable = true;
      services.postgres = { enable = true; initialDatabases = [ { name = "app"; } ]; listen_addresses = "127.0.0.1"; settings.log_statement = "all"; };
      services.redis = { enable = true; port = 6380; };
      processes.web.exec = "python -m http.server";
      processes.worker = { exec = "sleep 10"; };
      scripts.hello.exec = "echo hello from $GREET";
      scripts.build = { exec = "cargo build"; description = "build it"; };
      tasks."app:setup" = { exec = "echo setup"; before = [ "devenv:enterShell" ]; };
    } ];
    specialArgs = { inputs = { }; };
  };
  c = r.config;
  t = v: let x = builtins.tryEval (builtins.deepSeq v v); in if x.success then x.value else "<failed>";
in {
  env = t (lib.mapAttrs (n: v: toString v) c.env);
  enterShell = t c.enterShell;
  processes = t (lib.mapAttrs (n: p: p.exec) c.processes);
  scripts = t (lib.mapAttrs (n: s: { inherit (s) exec description; }) c.scripts);
  tasks = t (lib.mapAttrs (n: v: { exec = v.exec or null; before = v.before or [ ]; after = v.after or [ ]; }) c.tasks);
  assertions = t (map (a: a.message) (lib.filter (a: !a.assertion) c.assertions));
  warnings = t c.warnings;
}

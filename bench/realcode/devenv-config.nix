# cachix/devenv's module tree (src/modules/top-level.nix) with a configuration of its examples'
# kind (languages, services, processes, scripts, tasks, env, git-hooks off), the stand-in pkgs of
# fixtures/devenv-pkgs.nix; printed: env, enterShell, each process's exec, scripts, tasks,
# assertions, warnings: what a `devenv shell` would evaluate before building.
let
  lib = import <nixpkgs/lib>;
  pkgs = import ./fixtures/devenv-pkgs.nix lib;
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

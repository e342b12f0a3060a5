# numtide/devshell's module system (modules/modules.nix through its eval-args.nix) with a
# stand-in pkgs: a configuration of its tests' kind (commands in categories, packages named by
# string, env variables of every kind, motd), and what it renders without building: the menu
# command's text (commandsToMenu: padding, ANSI escapes, categories sorted), the motd, each env
# entry as the bash it becomes, and the option list.
let
  lib = import <nixpkgs/lib>;
  fake = name: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; } // {
    pname = name; version = "1.0"; meta = { mainProgram = name; description = "the ${name} tool"; };
  };
  writer = name: text: fake name // { inherit text; };
  pkgs = lib.genAttrs [ "git" "jq" "hello" "coreutils" "bashInteractive" "honcho" "nixfmt" "python3" ] fake // {
    inherit lib;
    path = <nixpkgs>;
    system = "x86_64-linux";
    stdenv = { hostPlatform = lib.systems.elaborate "x86_64-linux"; isDarwin = false; isLinux = true; };
    stdenvNoCC = { mkDerivation = a: fake (a.name or "drv"); hostPlatform = lib.systems.elaborate "x86_64-linux"; };
    writeText = writer; writeScript = writer; writeShellScript = writer; writeShellScriptBin = writer;
    writeTextFile = a: fake a.name // { text = a.text; };
    buildEnv = a: fake a.name;
    callPackage = f: args: fake "called";
    runCommand = n: e: s: fake n;
  };
  args = import <realcode/devshell/modules/eval-args.nix> {
    inherit lib pkgs;
    modules = [ {
      devshell.name = "realcode";
      devshell.motd = "{bold}Welcome{reset} to the realcode shell — ünïcödé";
      commands = [
        { name = "bash-script"; category = "hello"; help = "Prints hello-bash"; command = "echo hello-bash"; }
        { name = "python-script"; category = "hello"; help = "Prints hello-python"; command = "#!/usr/bin/env python3\nprint('hello')"; }
        { package = "git"; }
        { package = "jq"; category = "tools"; }
        { name = "a-very-long-command-name"; category = "tools"; help = "padding"; command = "true"; }
        { name = "x"; category = "tools"; command = "true"; }
      ];
      env = [
        { name = "PLAIN"; value = "v a l u e"; }
        { name = "NUMBER"; value = 42; }
        { name = "FLAG"; value = true; }
        { name = "EVALD"; eval = "$PWD/x"; }
        { name = "PATH"; prefix = "bin"; }
        { name = "UNSET_ME"; unset = true; }
        { name = "QUOTE"; value = "it's \"quoted\" $HOME"; }
      ];
    } ];
  };
  m = lib.evalModules args;
  cfg = m.config;
  menu = builtins.head (builtins.filter (c: c.name == "menu") cfg.commands);
in {
  menu = menu.command;
  motd = cfg.devshell.motd;
  commands = map (c: { inherit (c) name category; help = c.help; }) cfg.commands;
  startup = lib.mapAttrs (n: e: e.text) cfg.devshell.startup;
  options = map (o: o.name) (builtins.filter (o: o.visible && !o.internal) (lib.optionAttrSetToDocList m.options));
}

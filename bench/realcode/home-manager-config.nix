# Home Manager's configuration side: the whole module list (as home-manager-options.nix, with its
# stand-in pkgs) with a user's configuration enabling git, bash, zsh, readline, starship, tmux,
# ssh, htop, alacritty, fzf, direnv and a few files; the text of every home.file and
# xdg.configFile it makes (the generators: toGitINI, TOML, shell init, ssh_config, ...), the
# session variables and the failed assertions and warnings.
let
  src = <realcode/home-manager>;
  lib0 = import <nixpkgs/lib>;
  lib = import (src + "/modules/lib/stdlib-extended.nix") lib0;
  fake = name: derivation { inherit name; system = "x86_64-linux"; builder = "/bin/sh"; } // { pname = name; version = "1.0"; meta = { mainProgram = name; description = "the ${name} package"; platforms = lib0.platforms.all; }; override = _: fake name; overrideAttrs = _: fake name; withPackages = _: fake name; withPlugins = _: fake name; };
  platform = lib.systems.elaborate "x86_64-linux";
  walk = dir: lib0.concatLists (lib0.mapAttrsToList (n: t: if t == "directory" then walk "${dir}/${n}" else if lib0.hasSuffix ".nix" n then [ "${dir}/${n}" ] else [ ]) (builtins.readDir dir));
  quoted = file: map builtins.head (builtins.filter builtins.isList (builtins.split "\"([A-Za-z][A-Za-z0-9_+.-]*)\"" (builtins.readFile file)));
  pkgsRefs = file: map builtins.head (builtins.filter builtins.isList (builtins.split "pkgs\\.([A-Za-z][A-Za-z0-9_-]*)" (builtins.readFile file)));
  names = lib0.unique (lib0.concatMap (f: quoted f ++ pkgsRefs f) (walk (toString (src + "/modules"))));
  flat = lib0.genAttrs names fake;
  pkgs = flat // { lib = lib0; path = <realcode/stub-nixpkgs>; system = "x86_64-linux"; stdenv = { hostPlatform = platform; buildPlatform = platform; isDarwin = false; isLinux = true; }; writeText = n: _: fake n; writeShellScript = n: _: fake n; writeTextFile = a: fake a.name; runCommand = n: _: _: fake n; formats = lib0.genAttrs [ "json" "yaml" "toml" "ini" "keyValue" "xml" "lua" "elixirConf" "hocon" "pythonVars" "php" "javaProperties" "nixConf" "libconfig" "cdn" "plist" "iniWithGlobalSection" "gitIni" "yaml_1_1" "yaml_1_2" "systemd" "toml2" ] (_: _: { type = lib0.types.attrsOf (lib0.types.attrsOf lib0.types.anything); generate = n: _: fake n; lib = { types = { atom = lib0.types.anything; value = lib0.types.anything; }; mkRaw = x: x; mkLuaInline = x: x; }; }); buildPackages = pkgs; };
  hmModules = import (src + "/modules/modules.nix") { inherit pkgs lib; check = false; useNixpkgsModule = false; };
  user = { config, ... }: {
    home = { username = "alice"; homeDirectory = "/home/alice"; stateVersion = "25.05"; sessionVariables = { EDITOR = "vim"; PAGER = "less -R"; }; };
    home.file.".config/notes.txt".text = "hello\n";
    home.file."bin/hi" = { text = "#!/bin/sh\necho hi\n"; executable = true; };
    xdg.enable = true;
    programs.git = { enable = true; settings = { user = { name = "Alice"; email = "alice@example.org"; }; init.defaultBranch = "main"; alias = { co = "checkout"; lg = "log --graph --oneline"; }; "url \"git@github.com:\"".insteadOf = "https://github.com/"; }; ignores = [ "*.swp" ".direnv" ]; };
    programs.bash = { enable = true; shellAliases = { ll = "ls -l"; ".." = "cd .."; }; historySize = 5000; initExtra = "set -o vi"; };
    programs.zsh = { enable = true; autocd = true; history.size = 10000; shellAliases.g = "git"; initContent = "bindkey -e"; };
    programs.readline = { enable = true; variables = { editing-mode = "vi"; bell-style = "none"; completion-ignore-case = true; }; bindings."\\C-p" = "history-search-backward"; };
    programs.starship = { enable = true; settings = { add_newline = false; character.success_symbol = "[➜](bold green)"; cmd_duration.min_time = 500; }; };
    programs.tmux = { enable = true; escapeTime = 0; keyMode = "vi"; terminal = "screen-256color"; extraConfig = "set -g mouse on"; };
    programs.ssh = { enable = true; enableDefaultConfig = false; matchBlocks = { "github.com" = { user = "git"; identityFile = "~/.ssh/id_ed25519"; }; "*.internal" = { proxyJump = "bastion"; port = 2222; }; }; };
    programs.htop = { enable = true; settings = { color_scheme = 6; tree_view = true; }; };
    programs.alacritty = { enable = true; settings = { window.opacity = 0.9; font.size = 11.5; colors.primary.background = "#1d1f21"; }; };
    programs.fzf = { enable = true; defaultOptions = [ "--height 40%" "--border" ]; };
    programs.direnv = { enable = true; nix-direnv.enable = true; };
  };
  r = lib.evalModules { modules = hmModules ++ [ { _module.args.pkgs = lib.mkForce pkgs; } user ]; class = "homeManager"; specialArgs.modulesPath = toString (src + "/modules"); };
  cfg = r.config;
  texts = files: lib0.mapAttrs (n: f: let t = builtins.tryEval (builtins.deepSeq f.text f.text); in if t.success then t.value else "failed") (lib0.filterAttrs (n: f: f.enable && f.text != null) files);
in {
  homeFiles = texts cfg.home.file;
  configFiles = texts cfg.xdg.configFile;
  sessionVariables = cfg.home.sessionVariables;
  failedAssertions = map (a: a.message) (builtins.filter (a: !a.assertion) cfg.assertions);
  warnings = cfg.warnings;
}

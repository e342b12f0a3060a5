# nix-community/emacs-overlay's pure parts: its fromElisp reader (repos/fromElisp, an Elisp
# tokenizer and parser in Nix: match, substring, stringToCharacters, floats, characters, escapes)
# through parse.nix's parsePackagesFromUsePackage over Elisp configurations and over its own
# README.org (Org-mode Babel blocks) and parsePackagesFromPackageRequires over package headers;
# the raw reader's output for a corpus of Elisp forms; ELPA's generated package set
# (repos/elpa/elpa-generated.nix and the devel one, about 800 callPackage'd functions resolved
# against the set itself, others stand-ins, fixed-output fetchurl with base32 hashes) as derivations with their
# dependency closures; MELPA's recipe archive (3.4 MB of JSON) summarised.
let
  lib = import <nixpkgs/lib>;
  pkgs = { inherit lib; };
  src = <realcode/emacs-overlay>;
  parse = import (src + "/parse.nix") { inherit pkgs lib; };
  reader = import (src + "/repos/fromElisp") { inherit pkgs lib; };
  config = ''
    ;;; init.el --- a configuration   -*- lexical-binding: t; -*-
    (require 'package)
    (setq use-package-always-ensure nil
          gc-cons-threshold (* 100 1024 1024)
          ratio 0.75 neg -12 exp 1.5e3 hex #x1F oct #o17 bin #b101
          chars '(?a ?\n ?\C-x ?\M-a ?\\ ?\( ?\s-\C-b ?\^I)
          str "a \"quoted\" string\twith\nescapes \x41\ and ünïcödé")
    (use-package org
      :commands org-mode
      :bind (("C-c a" . org-agenda)
             :map org-mode-map
             ([C-right] . org-demote-subtree)
             ([C-left] . org-promote-subtree)))
    (use-package direnv
      :ensure t
      :config (direnv-mode))
    (use-package paredit-mode
      :ensure paredit
      :hook (emacs-lisp-mode lisp-mode lisp-interaction-mode))
    (use-package magit :ensure t :disabled t)
    (use-package evil :ensure t :disabled)
    (use-package which-key :ensure :pin)
    (leaf company :ensure t :config (global-company-mode))
    (with-eval-after-load 'x (use-package nested-thing :ensure t))
    #s(hash-table test equal data (a 1 b 2))
    #&5"\1"
    [vector 1 "two" (three)]
    `(backquoted ,unquoted ,@spliced)
    #'function-quote
    ;; Package-Requires: ((emacs "27.1") (dash "2.19") seq)
  '';
  org = ''
    #+TITLE: Config

    * Packages
    #+begin_src emacs-lisp
      (use-package vertico :ensure t)
    #+end_src

    #+BEGIN_SRC emacs-lisp :tangle no
      (use-package not-tangled :ensure t)
    #+END_SRC

    #+begin_src emacs-lisp :tangle yes
      (use-package tangled :ensure t)
    #+end_src

    #+begin_src shell
      echo not elisp
    #+end_src
  '';
  headers = [
    ";; Package-Requires: ()"
    ";; Package-Requires: ((dash \"2.12.1\") (pkg-info \"0.4\") (let-alist \"1.0.4\") (seq \"1.11\") (emacs \"24.3\"))"
    ";; Package-Requires: (dash (pkg-info \"0.4\"))"
    ";;; package-requires:((dash) (pkg-info \"0.4\"))\r\n;; other"
    ";; Version: 1.0\n;; Package-Requires: ((emacs \"29.1\") (compat \"30.0.0.0\"))\n;; Keywords: tools"
  ];
  # ELPA's generated sets: each package a derivation whose inputs are its packageRequires.
  elpaSet = file: lib.fix (self:
    let
      drv = a: derivation ({ system = "x86_64-linux"; builder = "/bin/sh"; } // a);
      scope = self // {
        inherit lib;
        fetchurl = { url, sha256 }: drv { name = baseNameOf url; builder = "builtin:fetchurl"; system = "builtin"; inherit url; outputHash = sha256; outputHashAlgo = "sha256"; outputHashMode = "flat"; };
        elpaBuild = a: drv { name = "emacs-${a.pname}-${a.version}"; inherit (a) src; deps = a.packageRequires; } // { inherit (a) meta packageRequires; };
        emacs = drv { name = "emacs-30.1"; };
      };
      # A package from outside the set (MELPA, NonGNU) is a stand-in of its name.
      external = n: drv { name = "emacs-external-${n}"; };
      callPackage = f: args: f (lib.mapAttrs (n: _: scope.${n} or (external n)) (builtins.functionArgs f) // args);
    in import file { inherit callPackage; });
  elpa = elpaSet (src + "/repos/elpa/elpa-generated.nix");
  elpaDevel = elpaSet (src + "/repos/elpa/elpa-devel-generated.nix");
  summary = set: {
    count = builtins.length (builtins.attrNames set);
    drvs = lib.mapAttrs (n: p: p.drvPath) set;
    licenses = lib.unique (lib.sort lib.lessThan (lib.mapAttrsToList (n: p: p.meta.license.shortName or p.meta.license.fullName or "?") set));
    mostDeps = lib.take 10 (lib.sort (a: b: a.n > b.n || (a.n == b.n && a.name < b.name)) (lib.mapAttrsToList (name: p: { inherit name; n = builtins.length p.packageRequires; }) set));
  };
  melpa = lib.importJSON (src + "/repos/melpa/recipes-archive-melpa.json");
in {
  usePackage = parse.parsePackagesFromUsePackage { configText = config; };
  usePackageAlways = parse.parsePackagesFromUsePackage { configText = config; alwaysEnsure = true; };
  orgFile = parse.parsePackagesFromUsePackage { configText = org; isOrgModeFile = true; };
  orgTangle = parse.parsePackagesFromUsePackage { configText = org; isOrgModeFile = true; alwaysTangle = true; alwaysEnsure = true; };
  readme = parse.parsePackagesFromUsePackage { configText = builtins.readFile (src + "/README.org"); isOrgModeFile = true; alwaysEnsure = true; };
  requires = map parse.parsePackagesFromPackageRequires headers;
  read = reader.fromElisp config;
  readOrg = reader.fromOrgModeBabelElisp org;
  elpa = summary elpa;
  elpaDevel = summary elpaDevel;
  melpa = {
    count = builtins.length melpa;
    fetchers = lib.mapAttrs (n: v: builtins.length v) (lib.groupBy (r: r.fetcher or "none") melpa);
    keys = lib.unique (lib.sort lib.lessThan (lib.concatMap builtins.attrNames melpa));
    first = lib.take 3 melpa;
    errors = builtins.length (builtins.filter (r: r ? error) melpa);
  };
}

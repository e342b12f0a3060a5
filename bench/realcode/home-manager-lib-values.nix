# Home Manager's lib (modules/lib) over awkward values: the string case converters and
# predicates, storeFileName, shell and zsh export, toNushell (floats through toJSON, bindings),
# gvariant's mkValue (doubles, nested variants), toKDL, toHyprconf and toSCFG over one data set
# with floats, negative numbers, escapes and unicode; the maintainers list (a large literal).
let
  lib = import <realcode/home-manager/modules/lib/stdlib-extended.nix> (import <nixpkgs/lib>);
  hm = lib.hm;
  words = [ "fooBar" "FooBar" "foo_bar" "foo-bar" "FOO_BAR" "fooBARBaz" "x" "" "a1B2" "ÄbcDéf" "foo bar" "HTTPServer" ];
  data = {
    int = 42; neg = -7; float = 3.14; small = 1.0e-7; big = 1.5e300; whole = 2.0; zero = 0.0;
    str = "tab\there \"quoted\" back\\slash\nnewline ünïcödé ✓ $dollar \${interp}";
    empty = ""; bool = true; off = false; nul = null;
    list = [ 1 "two" 3.0 [ 4 ] { five = 5; } ];
    nested.deeper.deepest = [ ];
  };
  try = v: let r = builtins.tryEval (builtins.deepSeq v v); in if r.success then r.value else "threw";
in {
  cases = map (w: {
    snake = hm.strings.toSnakeCase w;
    kebab = hm.strings.toKebabCase w;
    preds = map (p: p w) [ hm.strings.isCamelCase hm.strings.isPascalCase hm.strings.isSnakeCase hm.strings.isKebabCase hm.strings.isScreamingSnakeCase ];
  }) words;
  storeFileName = map (try hm.strings.storeFileName) [ "simple" ".hidden" "with space" "ünï" "a/b" "" "..." "x?y=z" ];
  shell = hm.shell.exportAll { A = "1"; B = "with space"; C = "$HOME/x"; D = 7; };
  zsh = hm.zsh.exportAll { a = "x"; b = 1; c = true; d = [ "one" "two words" ]; } { };
  nushell = {
    value = hm.nushell.toNushell { } data;
    inline = hm.nushell.toNushell { multiline = false; } (removeAttrs data [ "nested" ]);
    bindings = hm.nushell.toNushell { asBindings = true; } { x = 1; y = [ 2.5 "s" ]; };
    bad = try (hm.nushell.toNushell { asBindings = true; } { "a.b" = 1; });
  };
  gvariant = map (v: let g = hm.gvariant.mkValue v; in { type = g.type; text = toString g; }) [
    1 (-2) 3.5 0.1 1.0e10 "s'q\\b" true [ 1 2 ] [ "a" ] [ [ 1.5 ] ]
    (hm.gvariant.mkTuple [ 1 "x" 2.25 ]) (hm.gvariant.mkVariant 7.0) (hm.gvariant.mkDictionaryEntry [ 1 [ "v" ] ])
    (hm.gvariant.mkUint64 18446744073709551) (hm.gvariant.mkJust (hm.gvariant.mkInt16 (-3))) (hm.gvariant.mkNothing "s")
  ];
  kdl = try (hm.generators.toKDL { } (removeAttrs data [ "nul" ]));
  hypr = try (hm.generators.toHyprconf { attrs = removeAttrs data [ "nul" "nested" ]; });
  scfg = try (hm.generators.toSCFG { } [ { name = "a"; params = [ 1 2.5 "x y" ]; children = [ { name = "b"; params = [ true ]; } ]; } ]);
  maintainers = builtins.length (builtins.attrNames hm.maintainers);
  yesNo = map hm.booleans.yesNo [ true false ];
}

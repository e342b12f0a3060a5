#!/usr/bin/env python3
# Builds a parser with current Nix's grammar and syntax-error messages, for comparing nixeval's
# syntax errors with (scripts/syntax-oracle/compare.mjs). Reads parser.y (current Nix:
# `git -C /work/.mirror/NixOS+nix/repo show HEAD:src/libexpr/parser.y`), keeps its tokens
# (with their names), precedences and rules, drops every action and C++ declaration, and
# writes parser-oracle.y: a C parser (bison, `parse.error detailed` as Nix has it) reading one
# input a line as token numbers and printing `OK` or `INDEX<TAB>MESSAGE` (INDEX: the token at
# which bison found the error). Build: bison -o parser-oracle.c parser-oracle.y && cc -o parser-oracle parser-oracle.c
# Semantic actions raise no syntax error, so what it reports is what current Nix reports
# (not: its errors from actions, such as duplicate attributes or the pipe operators).
import re, sys

src = open(sys.argv[1] if len(sys.argv) > 1 else 'parser.y').read()
decls, rules = src.split('\n%%\n')[0:2]
out = []
for line in decls.split('\n'):
    s = line.strip()
    if s.startswith('%token'):
        out.append(re.sub(r'^%token\s+<[^>]*>\s*', '%token ', s))
    elif re.match(r'%(left|right|nonassoc|expect)\b', s):
        out.append(s)

def skip_literal(text, j, quote):
    j += 1
    while text[j] != quote:
        if text[j] == '\\':
            j += 1
        j += 1
    return j

res = []
i, n = 0, len(rules)
while i < n:
    c = rules[i]
    if c in '\'"':
        j = skip_literal(rules, i, c)
        res.append(rules[i:j + 1]); i = j + 1; continue
    if rules.startswith('/*', i):
        i = rules.index('*/', i) + 2; continue
    if rules.startswith('//', i):
        i = rules.index('\n', i); continue
    if c == '{':
        depth, j = 0, i
        while True:
            ch = rules[j]
            if ch in '\'"':
                j = skip_literal(rules, j, ch)
            elif rules.startswith('//', j):
                j = rules.index('\n', j) - 1
            elif rules.startswith('/*', j):
                j = rules.index('*/', j) + 1
            elif ch == '{':
                depth += 1
            elif ch == '}':
                depth -= 1
                if depth == 0:
                    break
            j += 1
        res.append(' '); i = j + 1; continue
    res.append(c); i += 1
body = re.sub(r'\[[A-Za-z_]+\]', '', ''.join(res))

head = '''%define parse.error detailed
%{
#include <stdio.h>
#include <stdlib.h>
int yylex(void);
void yyerror(const char *s);
%}
'''
tail = r'''
static int toks[1 << 20]; static int ntok = 0, pos = 0;
int yylex(void) { return pos < ntok ? toks[pos++] : 0; }
void yyerror(const char *s) { printf("%d\t%s\n", pos - 1, s); }
int main(void) {
  static char line[1 << 22];
  while (fgets(line, sizeof line, stdin)) {
    ntok = 0; pos = 0;
    char *p = line;
    while (*p && *p != '\n') { toks[ntok++] = (int) strtol(p, &p, 10); while (*p == ' ') p++; }
    if (yyparse() == 0) printf("OK\n");
    fflush(stdout);
  }
  return 0;
}
'''
open('parser-oracle.y', 'w').write(head + '\n'.join(out) + '\n%%\n' + body + '\n%%\n' + tail)

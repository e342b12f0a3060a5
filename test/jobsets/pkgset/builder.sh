# The builder every package of the test set refers to (it is never run; its store path is
# part of each derivation).
source $stdenv/setup
genericBuild

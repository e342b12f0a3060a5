# An example of Nix files the service may read: docker-compose.yml mounts this folder,
# read-only, as the allowed root /srv/nix.
{ greeting ? "hello" }:
let
  numbers = import ./numbers.nix;
in
{
  message = "${greeting} from ${toString ./.}";
  total = builtins.foldl' (a: b: a + b) 0 numbers;
}

# A stand-in for nixpkgs' systemd modular service module (Home Manager's services-modular imports
# it): no options of its own here.
{ lib, ... }:
{
}

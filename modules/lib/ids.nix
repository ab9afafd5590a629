# User and group ids: Debian's fixed ids and the deterministic allocation of
# the rest (used by modules/closure.nix).
#
# Not a module: import it with `import ../lib/ids.nix { inherit lib; }`.
#
# Debian's base-passwd package fixes the ids of the users and groups it ships
# (usr/share/base-passwd/{passwd,group}.master); a configured user or group of
# the same name gets the same id, so files on the state partition keep their
# owners. Everything else without an explicit uid/gid is allocated from the
# configuration alone (no state is read), in name order:
#
#   - normal users: the first free uids from 1000 upwards;
#   - system users: the first free uids from 999 downwards;
#   - groups: the first free gids from 999 downwards.
#
# "Free" means not fixed by the configuration or by Debian. The result is a
# pure function of the configuration: the same host always gets the same ids.
# Adding a user whose name sorts earlier moves the ids of the later ones, so
# hosts whose /home or /var outlives such edits should pin `uid`/`gid`.
{ lib }:

rec {
  # usr/share/base-passwd/passwd.master (bookworm).
  debianUids = {
    root = 0; daemon = 1; bin = 2; sys = 3; sync = 4; games = 5; man = 6;
    lp = 7; mail = 8; news = 9; uucp = 10; proxy = 13; www-data = 33;
    backup = 34; list = 38; irc = 39; _apt = 42; nobody = 65534;
  };

  # usr/share/base-passwd/group.master (bookworm).
  debianGids = {
    root = 0; daemon = 1; bin = 2; sys = 3; adm = 4; tty = 5; disk = 6;
    lp = 7; mail = 8; news = 9; uucp = 10; man = 12; proxy = 13; kmem = 15;
    dialout = 20; fax = 21; voice = 22; cdrom = 24; floppy = 25; tape = 26;
    sudo = 27; audio = 29; dip = 30; www-data = 33; backup = 34;
    operator = 37; list = 38; irc = 39; src = 40; shadow = 42; utmp = 43;
    video = 44; sasl = 45; plugdev = 46; staff = 50; games = 60;
    users = 100; nogroup = 65534;
  };

  # Give each of `names` (taken in sorted order) the first id not in `taken`
  # (a list of ints), starting at `start` and moving by `step` (1 or -1).
  # Returns { <name> = id; }.
  allocate = { names, taken, start, step }:
    let
      used0 = builtins.listToAttrs
        (map (id: { name = toString id; value = true; }) taken);
      free = used: id: if used ? ${toString id} then free used (id + step) else id;
      step1 = acc: name:
        let id = free acc.used acc.next; in {
          next = id + step;
          used = acc.used // { ${toString id} = true; };
          ids = acc.ids // { ${name} = id; };
        };
    in
    (builtins.foldl' step1 { next = start; used = used0; ids = { }; }
      (builtins.sort builtins.lessThan names)).ids;

  # The ids that occur more than once in a { name = id; } set, as
  # [ { id; names; } ] (for the "not unique" assertions).
  duplicates = idsByName:
    let
      groups = builtins.groupBy (n: toString idsByName.${n}) (builtins.attrNames idsByName);
    in
    lib.mapAttrsToList (id: names: { inherit id names; })
      (lib.filterAttrs (_: names: builtins.length names > 1) groups);
}

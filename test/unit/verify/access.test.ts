import { readObstacle } from "../../../src/verify/access.js";
import { ancestors, type FileInfo } from "../../../src/verify/snapshot.js";
import type { Account } from "../../../src/io/accounts.js";

const ROOT: Account = { name: "root", uid: 0, gid: 0, groups: [0] };
const ALICE: Account = { name: "alice", uid: 1000, gid: 1000, groups: [1000] };
const BROKER: Account = { name: "mosquitto", uid: 120, gid: 120, groups: [120, 200] };
const STRANGER: Account = { name: "nobody", uid: 65534, gid: 65534, groups: [65534] };

const KEY = "/srv/pki/servers/broker/server.key";

function dir(mode: number, uid = 1000, gid = 1000): FileInfo {
  return { mode, uid, gid, isDirectory: true };
}
function file(mode: number, uid = 1000, gid = 1000): FileInfo {
  return { mode, uid, gid, isDirectory: false };
}

/** A tree owned by alice:1000 with open directories and the key at `keyInfo`. */
function tree(keyInfo: FileInfo, dirs: Partial<Record<string, FileInfo>> = {}): Map<string, FileInfo> {
  const files = new Map<string, FileInfo>([
    ["/", dir(0o755, 0, 0)],
    ["/srv", dir(0o755, 0, 0)],
    ["/srv/pki", dir(0o755)],
    ["/srv/pki/servers", dir(0o755)],
    ["/srv/pki/servers/broker", dir(0o755)],
    [KEY, keyInfo],
  ]);
  for (const [name, info] of Object.entries(dirs)) files.set(name, info!);
  return files;
}

describe("ancestors", () => {
  test("every directory from / down to the file's folder", () => {
    expect(ancestors(KEY)).toEqual(["/", "/srv", "/srv/pki", "/srv/pki/servers", "/srv/pki/servers/broker"]);
    expect(ancestors("/x")).toEqual(["/"]);
  });
});

describe("readObstacle: owner, group, other bits", () => {
  test("owner with 0600 reads; others do not", () => {
    const files = tree(file(0o600));
    expect(readObstacle(ALICE, KEY, files)).toBeUndefined();
    expect(readObstacle(STRANGER, KEY, files)).toBe(`cannot read ${KEY} (mode 600, group 1000)`);
  });

  test("group member reads 0640 through the group bits", () => {
    const files = tree(file(0o640, 1000, 200));
    expect(readObstacle(BROKER, KEY, files)).toBeUndefined();
    expect(readObstacle(STRANGER, KEY, files)).toMatch(/^cannot read .* \(mode 640, group 200\)$/);
  });

  test("supplementary groups count, not only the primary group", () => {
    expect(BROKER.gid).not.toBe(200);
    expect(readObstacle(BROKER, KEY, tree(file(0o040, 1000, 200)))).toBeUndefined();
  });

  test("other bits: 0604 is readable by anyone outside owner and group", () => {
    expect(readObstacle(STRANGER, KEY, tree(file(0o604)))).toBeUndefined();
  });

  test("the owner class is exclusive: an owner with no owner bits cannot read even if group/other could", () => {
    const files = tree(file(0o077, 1000, 1000));
    expect(readObstacle(ALICE, KEY, files)).toMatch(/^cannot read/);
    expect(readObstacle(STRANGER, KEY, files)).toBeUndefined();
  });

  test("the group class is exclusive: a group member with no group bits cannot read even if other could", () => {
    const files = tree(file(0o604, 1000, 200));
    expect(readObstacle(BROKER, KEY, files)).toMatch(/^cannot read/);
    expect(readObstacle(STRANGER, KEY, files)).toBeUndefined();
  });

  test("write or execute alone does not allow reading", () => {
    expect(readObstacle(ALICE, KEY, tree(file(0o300)))).toMatch(/^cannot read/);
  });
});

describe("readObstacle: directories on the way", () => {
  test("a 0700 directory owned by someone else blocks, and is named", () => {
    const files = tree(file(0o644), { "/srv/pki": dir(0o700) });
    expect(readObstacle(BROKER, KEY, files)).toBe("cannot enter /srv/pki (mode 700)");
    expect(readObstacle(ALICE, KEY, files)).toBeUndefined();
  });

  test("the first blocking directory from the root is reported", () => {
    const files = tree(file(0o644), { "/srv": dir(0o700, 0, 0), "/srv/pki/servers": dir(0o700) });
    expect(readObstacle(BROKER, KEY, files)).toBe("cannot enter /srv (mode 700)");
  });

  test("read without execute on a directory does not let one through; execute alone does", () => {
    expect(readObstacle(STRANGER, KEY, tree(file(0o644), { "/srv/pki/servers/broker": dir(0o754) }))).toBe(
      "cannot enter /srv/pki/servers/broker (mode 754)",
    );
    expect(readObstacle(STRANGER, KEY, tree(file(0o644), { "/srv/pki/servers/broker": dir(0o711) }))).toBeUndefined();
  });

  test("a group-executable directory lets group members through", () => {
    const files = tree(file(0o640, 1000, 200), { "/srv/pki": dir(0o750, 1000, 200) });
    expect(readObstacle(BROKER, KEY, files)).toBeUndefined();
    expect(readObstacle(STRANGER, KEY, files)).toBe("cannot enter /srv/pki (mode 750)");
  });

  test("directories not in the snapshot are assumed passable", () => {
    const files = new Map<string, FileInfo>([[KEY, file(0o644)]]);
    expect(readObstacle(STRANGER, KEY, files)).toBeUndefined();
  });
});

describe("readObstacle: special cases", () => {
  test("uid 0 reads everything, even 0000 under 0700 directories of other users", () => {
    const files = tree(file(0o000), { "/srv/pki": dir(0o700), "/srv/pki/servers": dir(0o000) });
    expect(readObstacle(ROOT, KEY, files)).toBeUndefined();
    expect(readObstacle(ALICE, KEY, files)).toBe("cannot enter /srv/pki/servers (mode 0)");
  });

  test("a missing file is an obstacle", () => {
    const files = tree(file(0o644));
    files.delete(KEY);
    expect(readObstacle(ALICE, KEY, files)).toBe(`${KEY} does not exist`);
    expect(readObstacle(ROOT, KEY, files)).toBe(`${KEY} does not exist`);
  });

  test("setuid/sticky bits do not confuse the permission bits", () => {
    expect(readObstacle(STRANGER, KEY, tree(file(0o4600), { "/srv/pki": dir(0o1777) }))).toMatch(
      /^cannot read .* \(mode 4600/,
    );
    expect(readObstacle(STRANGER, KEY, tree(file(0o2644), { "/srv/pki": dir(0o1777) }))).toBeUndefined();
  });
});

import { readFileSync } from "node:fs";

/** A local account as /etc/passwd and /etc/group describe it. */
export interface Account {
  name: string;
  uid: number;
  gid: number;
  /** Every group the account is in, its primary group included. */
  groups: number[];
}

function readLines(file: string): string[] {
  try {
    return readFileSync(file, "utf8").split("\n");
  } catch {
    return [];
  }
}

/** Looks the account up without spawning `id`; undefined when it does not exist on this machine. */
export function lookupAccount(name: string): Account | undefined {
  const entry = readLines("/etc/passwd")
    .map((line) => line.split(":"))
    .find((fields) => fields[0] === name);
  if (!entry) return undefined;
  const uid = Number(entry[2]);
  const gid = Number(entry[3]);
  const groups = new Set([gid]);
  for (const fields of readLines("/etc/group").map((line) => line.split(":"))) {
    if ((fields[3] ?? "").split(",").includes(name)) groups.add(Number(fields[2]));
  }
  return { name, uid, gid, groups: [...groups] };
}

export function lookupGroupId(name: string): number | undefined {
  const entry = readLines("/etc/group")
    .map((line) => line.split(":"))
    .find((fields) => fields[0] === name);
  return entry ? Number(entry[2]) : undefined;
}

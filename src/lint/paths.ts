import path from "node:path";

/**
 * Where lint looks for a path written in the conf. mosquitto itself opens relative paths from
 * its working directory (/ when run as a service); lint reads them from the main conf's folder,
 * the likeliest intent, and warns that they are relative.
 */
export function resolveConfPath(confDir: string, value: string): string {
  return path.resolve(confDir, value);
}

/**
 * The files mosquitto loads from an include_dir: names ending in `.conf` (and longer than
 * that), in case-sensitive byte order, capitals first — the order its docs promise.
 */
export function includedConfNames(entries: string[]): string[] {
  return entries.filter((name) => name.length > 5 && name.endsWith(".conf")).sort();
}

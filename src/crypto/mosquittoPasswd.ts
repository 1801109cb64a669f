import { pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * mosquitto 2.x password file lines, as `mosquitto_passwd` writes them:
 * `user:$7$ITERATIONS$base64(12-byte salt)$base64(PBKDF2-HMAC-SHA512, 64 bytes)`.
 * 101 iterations is mosquitto's default; more would block its single thread on every connect.
 */
export const PASSWD_ITERATIONS = 101;

export function passwdLine(
  user: string,
  password: string,
  salt: Buffer = randomBytes(12),
  iterations = PASSWD_ITERATIONS,
): string {
  const hash = pbkdf2Sync(password, salt, iterations, 64, "sha512");
  return `${user}:$7$${iterations}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

/** Whether an existing line already holds this user's current password (so a rebuild keeps it byte for byte). */
export function passwdLineMatches(line: string, user: string, password: string): boolean {
  const match = /^(.*):\$7\$(\d+)\$([^$]+)\$([^$]+)$/.exec(line);
  if (!match || match[1] !== user) return false;
  const expected = Buffer.from(match[4], "base64");
  const actual = pbkdf2Sync(password, Buffer.from(match[3], "base64"), Number(match[2]), expected.length, "sha512");
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A strong random password that needs no quoting anywhere (base64url, 24 bytes). */
export function newPassword(): string {
  return randomBytes(24).toString("base64url");
}

import type { IssuedRecord, Ledger } from "./ledger.js";

/**
 * A device identity (its CN, which is its MQTT username) that holds revoked certificates and no
 * valid one. mosquitto 2.0 checks no CRL on websockets listeners, and a connection that was open
 * before a revocation is never re-checked, so the ACL is what cuts such an identity off there:
 * it is granted no topic at all, and loses its password-file line.
 */
export interface RevokedIdentity {
  cn: string;
  /** The holder's name in the spec (or the pruned folder's name). */
  name: string;
  serials: string[];
  /** When the last of its revoked certificates expires; after that TLS refuses it anyway. */
  until: string;
}

/** A revoked, unexpired certificate whose CN a valid certificate now uses again: the ACL cannot tell the two apart. */
export interface ReusedIdentity {
  cn: string;
  serial: string;
  until: string;
  /** The holder of the valid certificate with that CN. */
  holder: string;
}

export interface IdentityDenials {
  denied: RevokedIdentity[];
  reused: ReusedIdentity[];
}

/**
 * Which client identities the ACL must deny, from the ledger; `issuing` names the CNs (and
 * their holders) that get a certificate in this very build, before the ledger records it.
 */
export function identityDenials(
  ledger: Ledger | undefined,
  now: Date,
  issuing: ReadonlyMap<string, string> = new Map(),
): IdentityDenials {
  const activeHolderByCn = new Map<string, string>(issuing);
  const revoked: IssuedRecord[] = [];
  for (const record of ledger?.certificates ?? []) {
    if (record.role !== "client") continue;
    if (record.status === "active") activeHolderByCn.set(record.cn, record.name);
    else if (record.status === "revoked" && Date.parse(record.notAfter) > now.getTime()) revoked.push(record);
  }
  const denied = new Map<string, RevokedIdentity>();
  const reused: ReusedIdentity[] = [];
  for (const record of revoked) {
    const holder = activeHolderByCn.get(record.cn);
    if (holder !== undefined) {
      reused.push({ cn: record.cn, serial: record.serial, until: record.notAfter, holder });
      continue;
    }
    const known = denied.get(record.cn);
    if (!known)
      denied.set(record.cn, { cn: record.cn, name: record.name, serials: [record.serial], until: record.notAfter });
    else {
      known.serials.push(record.serial);
      if (record.notAfter > known.until) known.until = record.notAfter;
    }
  }
  return { denied: [...denied.values()].sort((a, b) => a.cn.localeCompare(b.cn)), reused };
}

/** The warning for a revoked certificate whose CN is in use again (only matters where no CRL is checked). */
export function reusedIdentityWarning(reused: ReusedIdentity): string {
  return (
    `revoked certificate ${reused.serial} has CN "${reused.cn}", which client ${reused.holder} now uses again: ` +
    `on websockets listeners (where mosquitto 2.0 checks no CRL) it still connects with ${reused.holder}'s topics until it expires on ${reused.until.slice(0, 10)}; ` +
    `give ${reused.holder} a new \`cn\` in the spec to cut the revoked one off there`
  );
}

import { TreeError } from "../errors.js";
import { describedOr } from "./describedOr.js";
import { certMatchesKey } from "../crypto/facts.js";
import { isEncryptedPem } from "../crypto/keys.js";
import { parseCsr } from "../crypto/csr.js";
import { revokedSerials } from "../state/ledger.js";
import type { RevocationReason } from "../crypto/crl.js";
import type { Role } from "../crypto/profiles.js";
import type { StoredPair, TreeState } from "../tree/read.js";
import type { ClientSpec, ServerSpec, Spec } from "../spec/types.js";
import {
  leafDrift,
  parseKey,
  safeAlgorithm,
  untouchedSinceIssued,
  type IssuerChoice,
  type LeafContext,
} from "./leafDrift.js";

export type { IssuerChoice };

export type PlanAction = "create" | "reissue" | "keep" | "revoke";

/** What the build will do for one certificate holder, and why. */
export interface EntityPlan {
  role: Role;
  name: string;
  action: PlanAction;
  /** Whether a new key is made (otherwise the one on disk is reused). */
  newKey: boolean;
  reasons: string[];
  issuer: IssuerChoice;
  /** Move the old certificate and key to the archive before replacing them. */
  archive: boolean;
}

export interface Revocation {
  role: "server" | "client";
  name: string;
  reason: RevocationReason;
  /** Move the holder's folder to the archive (pruned from the spec). */
  removeFolder: boolean;
}

/** What a command asks for beyond "match the spec". */
export interface BuildIntents {
  /** Leaves to renew now, by "role:name"; keepKey reuses the key. */
  rotate?: Map<string, { keepKey: boolean }>;
  revoke?: { role: "server" | "client"; name: string; reason: RevocationReason }[];
  /** Revoke and archive clients that are in the tree but not in the spec. */
  prune?: boolean;
  /** Start a CA rotation (new CA, trust bundle) or finish one (drop the old CA). */
  caRotation?: "start" | "finish";
  /**
   * Only describe the tree (status): a CA pair that no build may touch (a lost key, a swapped
   * certificate) is kept with the problem as its reason, instead of stopping everything.
   */
  describeOnly?: boolean;
}

export interface BuildPlan {
  ca: EntityPlan;
  servers: EntityPlan[];
  clients: EntityPlan[];
  revocations: Revocation[];
  caRotation?: "start" | "finish";
  /** Whether a CA rotation is under way once this build is done. */
  rotating: boolean;
  /** Things the build leaves alone but the user should hear about. */
  notes: string[];
}

export const rotateKey = (role: Role, name: string) => `${role}:${name}`;

/**
 * Decides what to create, keep, reissue or revoke so the tree matches the spec and the
 * intents. Pure over the spec and what is on disk; never plans to replace an existing CA key
 * except through an explicit CA rotation, which keeps the old one.
 */
export function planBuild(spec: Spec, tree: TreeState, now: Date, intents: BuildIntents = {}): BuildPlan {
  const notes: string[] = [];
  const wasRotating = tree.previousCa.certPem !== undefined;
  checkCaRotationIntent(intents.caRotation, wasRotating, tree);
  const rotating = intents.caRotation === "start" || (wasRotating && intents.caRotation !== "finish");
  const ca = describedOr(
    () => planCa(spec, tree.ca, notes, intents.caRotation),
    intents.describeOnly,
    (reason): EntityPlan => ({ ...CA_BASE, action: "keep", newKey: false, reasons: [reason] }),
  );

  // The CAs whose certificates stay acceptable after this build.
  const current = ca.action === "keep" ? tree.ca.facts : undefined;
  const previous = intents.caRotation === "start" ? tree.ca.facts : rotating ? tree.previousCa.facts : undefined;
  const active = new Map(
    (tree.ledger?.certificates ?? []).filter((r) => r.status === "active").map((r) => [`${r.role}:${r.name}`, r]),
  );
  const context: LeafContext = {
    current,
    previous,
    now,
    rotating,
    ledger: tree.ledger,
    revoked: revokedSerials(tree.ledger),
    active,
    rotate: intents.rotate ?? new Map(),
  };

  const servers = spec.servers.map((server) =>
    planLeaf("server", server, tree.servers.get(server.name) ?? {}, context),
  );
  const clients = spec.clients.map((client) =>
    tree.clients.get(client.name)?.untouched
      ? {
          role: "client" as const,
          name: client.name,
          action: "keep" as const,
          newKey: false,
          reasons: [],
          issuer: "current" as const,
          archive: false,
        }
      : planLeaf("client", client, tree.clients.get(client.name) ?? {}, context),
  );
  const revocations: Revocation[] = (intents.revoke ?? []).map((r) => ({ ...r, removeFolder: false }));
  for (const name of tree.strayClients) {
    if (intents.prune) revocations.push({ role: "client", name, reason: "cessationOfOperation", removeFolder: true });
    else
      notes.push(
        `clients/${name} is in the tree but not in the spec; left untouched (run \`mqtt-pki build --prune\` to revoke and archive it)`,
      );
  }
  for (const name of tree.strayServers)
    notes.push(`servers/${name} is in the tree but not in the spec; left untouched (its key is kept)`);
  for (const revocation of revocations) {
    const entry = [...servers, ...clients].find((e) => e.role === revocation.role && e.name === revocation.name);
    if (entry)
      Object.assign(entry, {
        action: "revoke",
        newKey: false,
        reasons: [`revoked (${revocation.reason})`],
        archive: false,
      });
  }
  return { ca, servers, clients, revocations, caRotation: intents.caRotation, rotating, notes };
}

function checkCaRotationIntent(intent: BuildIntents["caRotation"], wasRotating: boolean, tree: TreeState): void {
  if (intent === "start" && wasRotating) {
    throw new TreeError("a CA rotation is already under way", {
      hint: "finish it first with `mqtt-pki rotate ca --finish` once every device has its new certificate",
    });
  }
  if (intent === "finish" && !wasRotating) {
    throw new TreeError("no CA rotation is under way", { hint: "start one with `mqtt-pki rotate ca`" });
  }
  if (intent === "start" && !tree.ca.facts)
    throw new TreeError("there is no CA to rotate yet", { hint: "run `mqtt-pki build` first" });
}

const CA_BASE = { role: "ca" as const, name: "ca", issuer: "current" as const, archive: false };

function planCa(spec: Spec, stored: StoredPair, notes: string[], intent: BuildIntents["caRotation"]): EntityPlan {
  const base = CA_BASE;
  if (stored.keyPem === undefined && stored.certPem === undefined)
    return { ...base, action: "create", newKey: true, reasons: ["no CA yet"] };
  if (stored.keyPem === undefined) {
    throw new TreeError("the CA certificate exists but its key ca/ca.key is missing", {
      hint: "restore ca/ca.key from your backup; mqtt-pki never replaces an existing CA on its own, because every device trusts it",
    });
  }
  if (!stored.facts)
    return {
      ...base,
      action: "reissue",
      newKey: false,
      reasons: [stored.certError ? "ca.crt is unreadable" : "ca.crt is missing"],
    };
  // An encrypted key is checked against its certificate when it is unlocked to sign, not here.
  if (!isEncryptedPem(stored.keyPem) && !certMatchesKey(stored.facts, stored.keyPem)) {
    throw new TreeError("ca/ca.crt does not belong to ca/ca.key", {
      hint: "put back the matching pair from your backup; mqtt-pki will not guess which of the two is right",
    });
  }
  if (intent === "start")
    return {
      ...base,
      action: "create",
      newKey: true,
      reasons: ["CA rotation: new CA; the old one stays trusted until `rotate ca --finish`"],
    };
  if (stored.facts.cn !== spec.ca.cn)
    notes.push(
      `the CA on disk has CN "${stored.facts.cn}", the spec says "${spec.ca.cn}"; the CA is kept (replacing it would cut off every device; see \`mqtt-pki rotate ca\`)`,
    );
  return { ...base, action: "keep", newKey: false, reasons: [] };
}

function planLeaf(
  role: "server" | "client",
  entry: ServerSpec | ClientSpec,
  stored: StoredPair,
  context: LeafContext,
): EntityPlan {
  // Servers keep a certificate from the retiring CA during a rotation, so devices that only know that CA still trust them.
  const issuer: IssuerChoice = role === "server" && context.rotating ? "previous" : "current";
  const base = { role, name: entry.name, issuer, archive: false };
  if (role === "client" && (entry as ClientSpec).deviceKey)
    return planDeviceKeyClient(entry as ClientSpec, stored, context, { ...base, role: "client" });
  const requested = context.rotate.get(rotateKey(role, entry.name));
  if (!requested && untouchedSinceIssued(role, entry, stored, issuer, context))
    return { ...base, action: "keep", newKey: false, reasons: [] };
  const key = stored.keyPem !== undefined ? parseKey(stored.keyPem) : undefined;
  const keyAlgorithm = key ? safeAlgorithm(key) : undefined;
  const newKey = keyAlgorithm !== entry.key || (requested !== undefined && !requested.keepKey);
  const keyReason =
    stored.keyPem === undefined
      ? "no key yet"
      : keyAlgorithm === undefined
        ? "key file unreadable"
        : `key type changes from ${keyAlgorithm} to ${entry.key}`;
  if (!stored.facts) {
    return {
      ...base,
      action: stored.keyPem === undefined && stored.certPem === undefined ? "create" : "reissue",
      newKey,
      reasons: [
        stored.certPem === undefined ? "no certificate yet" : "certificate unreadable",
        ...(keyAlgorithm !== entry.key && stored.keyPem !== undefined ? [keyReason] : []),
      ],
    };
  }
  if (requested)
    return {
      ...base,
      action: "reissue",
      newKey,
      archive: true,
      reasons: [requested.keepKey ? "rotation requested (same key)" : "rotation requested (new key)"],
    };
  if (context.revoked.has(stored.facts.serial)) {
    return {
      ...base,
      action: "keep",
      newKey: false,
      reasons: [`revoked; remove it from the spec, or run \`mqtt-pki rotate ${entry.name}\` for a fresh certificate`],
    };
  }
  const reasons = leafDrift(role, entry, stored.facts, issuer, context);
  if (keyAlgorithm !== entry.key) reasons.unshift(keyReason);
  else if (!stored.facts.x509.checkPrivateKey(key!)) reasons.push("certificate does not match the key");
  return { ...base, action: reasons.length > 0 ? "reissue" : "keep", newKey, archive: reasons.length > 0, reasons };
}

/** A client whose key stays on the device: its certificate follows the CSR in the tree, never a key of ours. */
function planDeviceKeyClient(
  client: ClientSpec,
  stored: StoredPair,
  context: LeafContext,
  base: { role: "client"; name: string; issuer: IssuerChoice; archive: boolean },
): EntityPlan {
  if (stored.csrPem === undefined) {
    throw new TreeError(
      `client \`${client.name}\` has \`deviceKey: true\` but the tree has no clients/${client.name}/client.csr`,
      {
        hint: `sign the device's request with \`mqtt-pki sign --csr FILE --name ${client.name}\`, or remove \`deviceKey\` to let mqtt-pki make the key`,
      },
    );
  }
  const csr = parseCsr(stored.csrPem);
  if (!stored.facts) return { ...base, action: "create", newKey: false, reasons: ["signing the device's CSR"] };
  if (context.rotate.has(rotateKey("client", client.name)))
    return {
      ...base,
      action: "reissue",
      newKey: false,
      archive: true,
      reasons: ["rotation requested (the device keeps its key)"],
    };
  if (context.revoked.has(stored.facts.serial)) return { ...base, action: "keep", newKey: false, reasons: ["revoked"] };
  const reasons = leafDrift("client", client, stored.facts, "current", context);
  if (!stored.facts.x509.publicKey.export({ type: "spki", format: "der" }).equals(csr.spkiDer))
    reasons.push("the device sent a new CSR");
  return {
    ...base,
    action: reasons.length > 0 ? "reissue" : "keep",
    newKey: false,
    archive: reasons.length > 0,
    reasons,
  };
}

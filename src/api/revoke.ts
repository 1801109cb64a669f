import { PkiError } from "../errors.js";
import { REVOCATION_REASONS, type RevocationReason } from "../crypto/crl.js";
import { converge, type BuildOptions, type BuildResult } from "./build.js";
import type { BuildIntents } from "../plan/planBuild.js";
import type { TreeState } from "../tree/read.js";
import type { Spec } from "../spec/types.js";

export interface RevokeOptions extends BuildOptions {
  name: string;
  reason?: RevocationReason;
}

/** Revokes a client's (or server's) certificates: they go into crl.pem and mosquitto.conf gets crlfile. */
export function revoke(options: RevokeOptions): Promise<BuildResult> {
  const reason = options.reason ?? "unspecified";
  if (!REVOCATION_REASONS.includes(reason)) {
    throw new PkiError(`unknown revocation reason \`${reason}\``, {
      hint: `use one of: ${REVOCATION_REASONS.join(", ")}`,
    });
  }
  // Only the revoked holder is read: every other client may be settled by its stamps.
  return converge(options, {
    focus: () => [options.name],
    resolve: (spec, tree) => revocationOf(spec, tree, options.name, reason),
  });
}

/** The revocation of `name`, which must have a certificate in the tree (in the spec, or a stray folder). */
function revocationOf(spec: Spec, tree: TreeState, name: string, reason: RevocationReason): BuildIntents {
  const stray = tree.strayClients.includes(name);
  const role =
    spec.clients.some((c) => c.name === name) || stray
      ? "client"
      : spec.servers.some((s) => s.name === name)
        ? "server"
        : undefined;
  if (!role) {
    throw new PkiError(`no client or server named \`${name}\` in the spec or the tree`, {
      hint: `clients: ${someNames(spec.clients.map((c) => c.name))}`,
    });
  }
  const facts = (role === "client" ? tree.clients : tree.servers).get(name)?.facts;
  if (!facts && !stray) {
    throw new PkiError(`\`${name}\` has no certificate yet, so there is nothing to revoke`, {
      hint: "remove it from the spec instead",
    });
  }
  return { revoke: [{ role, name, reason }] };
}

/** A few names of a list, for a hint: a fleet's spec has 100,000. */
function someNames(names: string[]): string {
  if (names.length === 0) return "(none)";
  return names.length > 8 ? `${names.slice(0, 8).join(", ")} and ${names.length - 8} more` : names.join(", ");
}

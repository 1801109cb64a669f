import { PkiError } from "../errors.js";
import { REVOCATION_REASONS, type RevocationReason } from "../crypto/crl.js";
import { converge, type BuildOptions, type BuildResult } from "./build.js";

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
  return converge(options, (spec, tree) => {
    const role =
      spec.clients.some((c) => c.name === options.name) || tree.strayClients.includes(options.name)
        ? "client"
        : spec.servers.some((s) => s.name === options.name)
          ? "server"
          : undefined;
    if (!role) {
      throw new PkiError(`no client or server named \`${options.name}\` in the spec or the tree`, {
        hint: `clients: ${spec.clients.map((c) => c.name).join(", ") || "(none)"}`,
      });
    }
    const facts = (role === "client" ? tree.clients : tree.servers).get(options.name)?.facts;
    if (!facts && !tree.strayClients.includes(options.name)) {
      throw new PkiError(`\`${options.name}\` has no certificate yet, so there is nothing to revoke`, {
        hint: "remove it from the spec instead",
      });
    }
    return { revoke: [{ role, name: options.name, reason }] };
  });
}

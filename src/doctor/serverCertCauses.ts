import { isIP } from "node:net";
import type { CertSummary } from "./localChecks.js";
import { quoted, when, type Cause, type Wording } from "./phrasing.js";

/** The words for what is wrong with the server's certificate: its dates, its chain, its names. */

function renewServer(w: Wording): string {
  return w.serverName ? `\`mqtt-pki rotate ${w.serverName}\` (or \`mqtt-pki build\`)` : "its CA";
}

export const serverCertCauses = {
  caCnClash: (cn: string, code: string | undefined): Cause => ({
    id: "ca-cn-clash",
    cause: `The server certificate and its CA share the CN ${quoted(cn)}: OpenSSL then takes the server certificate for a self-signed one and refuses the chain${code ? ` (Node: ${code})` : ""}.`,
    fix: 'Give the CA a CN of its own (e.g. "Example MQTT Root CA"), then issue the CA and the server certificate again and hand the new CA file to the clients; mqtt-pki refuses such a spec.',
  }),

  noCa: (leaf: CertSummary, code: string | undefined): Cause => ({
    id: "no-ca",
    cause: `No CA file was given, so the server certificate CN=${leaf.subjectCn}, issued by ${quoted(leaf.issuerCn)}, is checked against the system trust store, which does not hold that private CA${code ? ` (Node: ${code}; mosquitto sends its CA along, hence "in chain")` : ""}.`,
    fix: "Pass the CA that issued the broker's certificate: --cafile …/ca/ca.crt (mosquitto_pub/sub: --cafile, which is also what switches TLS on; MQTTX: --ca; MQTT.js: ca).",
  }),

  wrongCa: (leaf: CertSummary, caFileCns: string[], code: string | undefined): Cause => ({
    id: "wrong-ca",
    cause: `The CA file holds ${caFileCns.map(quoted).join(", ")}, but the server certificate CN=${leaf.subjectCn} was issued by ${quoted(leaf.issuerCn)}, so the client cannot trust it${code ? ` (Node: ${code})` : ""}.`,
    fix: `Use the CA file of the PKI that issued the broker's certificate (the one named ${quoted(leaf.issuerCn)}; during a CA rotation, ca/bundle.crt).`,
  }),

  selfSignedServer: (leaf: CertSummary): Cause => ({
    id: "self-signed-server",
    cause: `The server certificate CN=${leaf.subjectCn} is self-signed, and the CA file does not hold it.`,
    fix: "Issue the broker a certificate from a CA (`mqtt-pki build` does) and give clients that CA; or pass this very certificate as --cafile.",
  }),

  chainRefused: (anchor: CertSummary, code: string): Cause => ({
    id: "chain-refused",
    cause: `The CA ${quoted(anchor.subjectCn)} issued the server certificate, yet OpenSSL refuses the chain: ${code}.`,
    fix: "Check the CA's and the server certificate's extensions (basicConstraints CA:TRUE on the CA, serverAuth on the server) with `mqtt-pki verify` or `openssl verify -CAfile ca.crt -purpose sslserver server.crt`.",
  }),

  serverExpired: (leaf: CertSummary, now: Date, w: Wording): Cause => ({
    id: "server-cert-expired",
    cause: `The broker's certificate CN=${leaf.subjectCn} expired on ${when(leaf.notAfter)} (now: ${when(now)}); clients refuse it (Node: CERT_HAS_EXPIRED).`,
    fix: `Renew it with ${renewServer(w)} and restart mosquitto so it loads the new certfile.`,
  }),

  serverNotYetValid: (leaf: CertSummary, now: Date): Cause => ({
    id: "server-cert-not-yet-valid",
    cause: `The broker's certificate CN=${leaf.subjectCn} is valid only from ${when(leaf.notBefore)} (now: ${when(now)}).`,
    fix: "Check the clocks of the issuing machine and of this client (NTP).",
  }),

  hostnameMismatch: (name: string, san: string, w: Wording): Cause => ({
    id: "hostname-mismatch",
    cause: `The client dialled ${name}, but the server certificate's SAN holds only ${san}; clients refuse the mismatch (Node: ERR_TLS_CERT_ALTNAME_INVALID).`,
    fix: w.serverName
      ? `Dial a name the SAN holds, or add ${name} to the server's ${isIP(name) ? "ip" : "dns"} list in the spec and run \`mqtt-pki build\` (it reissues the server certificate), then restart mosquitto.`
      : `Dial a name the SAN holds, or reissue the server certificate with ${name} in its subjectAltName and restart the broker.`,
  }),
};

import { currentTime } from "../clock.js";
import { loadSpecForReading } from "../build/recovery.js";
import { loadCredentials } from "../doctor/credentials.js";
import { brokerFor, examine, settingsOf, type DoctorReport } from "../doctor/examine.js";
import { listenerTargets, requestedTarget, serverNamed, type TargetRequest } from "../doctor/target.js";
import { PkiError } from "../errors.js";

export type { DoctorReport } from "../doctor/examine.js";

/** Where to dial (host, port, protocol, path, servername, tlsVersion), and with what. */
export interface DoctorOptions extends TargetRequest {
  /** The spec, needed for `client` and `server` (their files come from its tree). */
  specFile?: string;
  now?: Date | string;
  /** A client of the spec: its certificate, key and the tree's CA (and CRL) are used. */
  client?: string;
  /** A server of the spec: every listener of it is checked (doctorServer only). */
  server?: string;
  /** Explicit files; with `client` they replace the tree's. */
  cafile?: string;
  cert?: string;
  key?: string;
  /** Per stage; default 5 s. */
  timeoutMs?: number;
}

export interface DoctorServerReport {
  ok: boolean;
  server: string;
  /** The spec's client the listeners were checked as, when one was. */
  client?: string;
  /** Said when that client was picked for the user (no --client, no --cert). */
  note?: string;
  reports: DoctorReport[];
}

/** Connects to one host and port stage by stage and explains the first failure. */
export async function doctor(options: DoctorOptions): Promise<DoctorReport> {
  if (options.server)
    throw new PkiError("doctor() checks one host and port; use doctorServer() for a whole server", {
      hint: "pass host and port, or call doctorServer({ server })",
    });
  const target = requestedTarget(options);
  const spec = options.client ? (await loadSpecForReading(options.specFile)).spec : undefined;
  const credentials = loadCredentials({ ...options, spec, clientName: options.client });
  const broker = spec && brokerFor(spec, target);
  return examine({ target, credentials, now: currentTime(options.now), broker, timeoutMs: options.timeoutMs });
}

/** Checks every listener of a spec's server, with one of the spec's clients. */
export async function doctorServer(options: DoctorOptions & { server: string }): Promise<DoctorServerReport> {
  if (options.host !== undefined || options.port !== undefined) {
    throw new PkiError("--server takes host and ports from the spec; leave out --host and --port", {
      hint: "or drop --server to check one host and port",
    });
  }
  const { spec } = await loadSpecForReading(options.specFile);
  const server = serverNamed(spec, options.server);
  // Without a named client or files of its own, the spec's first client stands in for the devices.
  const picked = options.client === undefined && options.cert === undefined ? spec.clients[0]?.name : undefined;
  const clientName = options.client ?? picked;
  const credentials = loadCredentials({ ...options, spec, clientName });
  const now = currentTime(options.now);
  const broker = settingsOf(server);
  const reports = await Promise.all(
    listenerTargets(server, options).map((target) =>
      examine({ target, credentials, now, broker, timeoutMs: options.timeoutMs }),
    ),
  );
  const note = picked
    ? `no --client given: checked as ${picked}, the spec's first client (pass --client NAME to check as another)`
    : undefined;
  return { ok: reports.every((report) => report.ok), server: server.name, client: clientName, note, reports };
}

import path from "node:path";
import { yamlPackage } from "./yamlPackage.js";
import { SpecError } from "../errors.js";
import { parseFast } from "./fastYaml.js";
import { SpecReader, type YamlPath, type YamlSource } from "./reader.js";
import { checkCrossRules } from "./crossRules.js";
import { readServer } from "./readServer.js";
import { readList } from "./listPositions.js";
import { readName, readSubject } from "./readSubject.js";
import {
  ACL_FIELDS,
  CA_FIELDS,
  CLIENT_FIELDS,
  DEFAULT_FIELDS,
  DAYS,
  DEPLOY_FIELDS,
  keysOf,
  TOP_FIELDS,
} from "./fields.js";
import { hasControlCharacters, topicFilterProblem, topicProblem } from "./rules.js";
import {
  ACL_ACCESS,
  KEY_ALGORITHMS,
  type AclRule,
  type CaSpec,
  type ClientSpec,
  type KeyAlgorithm,
  type Spec,
  type SpecWarning,
} from "./types.js";

/**
 * A CRL's default lifetime. The broker reads it from local disk and gets each new one at once,
 * so nextUpdate promises no freshness to anyone: its only effect is that mosquitto refuses every
 * client once it passes. Half a year (easy-rsa's default), renewed by every writing command and
 * `mqtt-pki crl` at half-life, leaves three months of warnings before that could happen.
 */
export const DEFAULT_CRL_DAYS = 180;

// Allowed keys per section come from the field table that also generates the JSON Schema.
const TOP_KEYS = keysOf(TOP_FIELDS);
const DEFAULT_KEYS = keysOf(DEFAULT_FIELDS);
const CA_KEYS = keysOf(CA_FIELDS);
const CLIENT_KEYS = keysOf(CLIENT_FIELDS);
const ACL_KEYS = keysOf(ACL_FIELDS);
const DEPLOY_KEYS = keysOf(DEPLOY_FIELDS);

export interface ParsedSpec {
  spec: Spec;
  warnings: SpecWarning[];
}

/**
 * Parses and validates pki.yaml text. Pure: `file` only labels positions and anchors relative paths.
 * Throws SpecError listing every problem found.
 */
export function parseSpec(text: string, file: string): ParsedSpec {
  const locate = () => parseWithPositions(text);
  const fast = parseFast(text);
  const source = fast.ok ? undefined : locate();
  const slow = source ? dataOf(source) : undefined;
  const reader = new SpecReader(fast.ok ? fast.data : slow?.data, () => source ?? locate(), file);
  for (const error of source?.doc.errors ?? []) {
    reader.problems.push({
      message: `YAML syntax: ${error.message.split("\n")[0]}`,
      hint: "fix the YAML syntax at this position (indentation, a missing colon, or an unclosed quote)",
      yamlPath: "(syntax)",
      position: reader.toPosition(error.pos[0]),
    });
  }
  if (slow?.aliasError) {
    reader.problems.push({
      message: `YAML aliases: ${slow.aliasError}`,
      hint: "set each anchor (`&name`) before its alias (`*name`), or write the values out instead of nesting aliases",
      yamlPath: "(syntax)",
      position: reader.toPosition(0),
    });
  }
  if (reader.problems.length > 0) throw new SpecError(reader.problems);
  if (!reader.expectMap([], true, "version: 1\nca:\n  cn: My MQTT Root CA")) throw new SpecError(reader.problems);

  const spec = readSpec(reader, file);
  const warnings: SpecWarning[] = [];
  checkCrossRules(reader, spec, warnings);
  if (reader.problems.length > 0) throw new SpecError(reader.problems);
  return { spec, warnings };
}

/** The output folder: `out:` (default ./pki) relative to the spec file; undefined when `out:` is not text. */
function outOf(file: string, value: unknown): string | undefined {
  if (value !== undefined && typeof value !== "string") return undefined;
  return path.resolve(path.dirname(path.resolve(file)), value ?? "./pki");
}

function parseWithPositions(text: string): YamlSource {
  const { LineCounter, parseDocument } = yamlPackage();
  const lines = new LineCounter();
  return { doc: parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true }), lines };
}

/** A document with errors has no data worth reading: its errors are all there is to report. */
function dataOf(source: YamlSource): { data?: unknown; aliasError?: string } {
  if (source.doc.errors.length > 0) return {};
  try {
    return { data: source.doc.toJS({ maxAliasCount: 100 }) };
  } catch (error) {
    return { aliasError: (error as Error).message };
  }
}

function readSpec(r: SpecReader, file: string): Spec {
  r.checkKeys([], TOP_KEYS);
  const version = r.get(["version"]);
  if (version !== 1)
    r.fail(
      ["version"],
      version === undefined ? "missing `version`" : `unsupported version ${JSON.stringify(version)}`,
      "write `version: 1` at the top of the file",
    );

  const out = outOf(file, r.text(["out"], "./pki"))!;

  r.expectMap(["defaults"], false, "defaults:\n  key: ec-p256\n  days: 397");
  r.checkKeys(["defaults"], DEFAULT_KEYS);
  const defaults = {
    key: r.oneOf(["defaults", "key"], KEY_ALGORITHMS, "ec-p256"),
    days: r.integer(["defaults", "days"], 397, DAYS),
    renewBeforeDays: r.integer(["defaults", "renewBeforeDays"], 30, { min: 0, max: 36500, what: "a number of days" }),
    password: r.boolean(["defaults", "password"], false),
    acl: readAcl(r, ["defaults", "acl"]),
  };

  let deployDir = out;
  if (r.expectMap(["deploy"], false, "deploy:\n  dir: /etc/mosquitto/certs")) {
    r.checkKeys(["deploy"], DEPLOY_KEYS);
    const dir = r.text(["deploy", "dir"]);
    if (dir !== undefined && !path.isAbsolute(dir))
      r.fail(
        ["deploy", "dir"],
        `\`deploy.dir\` must be an absolute path, got \`${dir}\``,
        "write the directory on the broker host, e.g. `dir: /etc/mosquitto/certs`",
      );
    else if (dir !== undefined) deployDir = path.posix.normalize(dir).replace(/\/$/, "") || "/";
  }

  const ca = readCa(r, defaults);
  const servers = readList(
    r,
    ["servers"],
    "servers:\n  - name: broker\n    dns: [mqtt.example.com]\n    listeners:\n      - port: 8883",
    (p) => readServer(r, p, defaults),
  );
  if (servers.length === 0 && r.problems.length === 0)
    r.fail(
      ["servers"],
      "no `servers` defined",
      "add at least one broker:\nservers:\n  - name: broker\n    dns: [mqtt.example.com]\n    listeners:\n      - port: 8883",
    );
  const clients = readList(r, ["clients"], "clients:\n  - name: sensor-001", (p) => readClient(r, p, defaults));

  return { version: 1, file: path.resolve(file), out, deployDir, defaults, ca, servers, clients };
}

function readCa(r: SpecReader, defaults: { key: KeyAlgorithm }): CaSpec {
  r.expectMap(["ca"], true, "ca:\n  cn: Example MQTT Root CA");
  r.checkKeys(["ca"], CA_KEYS);
  return {
    ...readSubject(r, ["ca"]),
    key: r.oneOf(["ca", "key"], KEY_ALGORITHMS, defaults.key),
    days: r.integer(["ca", "days"], 3650, DAYS),
    crlDays: r.integer(["ca", "crlDays"], DEFAULT_CRL_DAYS, { min: 1, max: 3650, what: "a positive number of days" }),
    encryptKey: r.boolean(["ca", "encryptKey"], false),
  };
}

/** `acl: [{topic: "devices/%c/#", access: readwrite}]`: topics may use + and #; %c is the client's CN. */
function readAcl(r: SpecReader, p: YamlPath): AclRule[] {
  return readList(r, p, "acl:\n  - topic: devices/%c/#\n    access: readwrite", (rp) => {
    r.checkKeys(rp, ACL_KEYS);
    const topic = r.string([...rp, "topic"]);
    if (topic === undefined || topic === "") {
      r.fail([...rp, "topic"], "an ACL rule needs a `topic`", "write e.g. `topic: devices/%c/#`");
      return undefined;
    }
    if (hasControlCharacters(topic)) {
      // Each rule is one line of the acl_file: a newline would add a rule of its own.
      r.fail(
        [...rp, "topic"],
        "the topic contains control characters",
        "write the topic on one line, without tabs or newlines, e.g. `topic: devices/%c/#`",
      );
      return undefined;
    }
    const problem = topicFilterProblem(topic);
    if (problem) {
      r.fail([...rp, "topic"], problem, "write e.g. `devices/%c/#` (+ and # stand for whole levels, # only last)");
      return undefined;
    }
    return { topic, access: r.oneOf([...rp, "access"], ACL_ACCESS, "readwrite") };
  });
}

function readClient(r: SpecReader, p: YamlPath, defaults: Spec["defaults"]): ClientSpec | undefined {
  r.checkKeys(p, CLIENT_KEYS);
  const name = readName(r, p);
  // An invalid name is reported once; it still stands in for the CN so no second "missing cn" follows.
  const subject = readSubject(r, p, name ?? r.string([...p, "name"]) ?? "");
  const topic = r.string([...p, "topic"], `mqtt-pki/${name ?? "client"}/hello`) ?? "";
  const problem = topicProblem(topic);
  if (problem) r.fail([...p, "topic"], problem, "write a concrete topic such as `devices/sensor-001/telemetry`");
  // The CN is the client's MQTT username (from its certificate, or its login in password mode).
  if (/[/+#]/.test(subject.cn)) {
    r.fail(
      [...p, "cn"],
      `a client's \`cn\` is its MQTT username, and \`${subject.cn}\` contains ${subject.cn.includes("/") ? "`/`" : subject.cn.includes("+") ? "`+`" : "`#`"}: mosquitto denies every %u ACL pattern to such a username, and a \`/\` would reach into other devices' topic levels`,
      "use letters, digits, `.`, `-` or `_` (e.g. `sensor-001.plant-a`); `/`, `+` and `#` are topic separators and wildcards",
    );
  }
  if (name === undefined) return undefined;
  return {
    cn: subject.cn,
    o: subject.o,
    ou: subject.ou,
    c: subject.c,
    st: subject.st,
    l: subject.l,
    name,
    key: r.oneOf([...p, "key"], KEY_ALGORITHMS, defaults.key),
    days: r.integer([...p, "days"], defaults.days, DAYS),
    topic,
    deviceKey: r.boolean([...p, "deviceKey"], false),
    password: r.boolean([...p, "password"], defaults.password),
    acl: readAcl(r, [...p, "acl"]),
  };
}

import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { parse as parseYaml } from "yaml";
import fc from "fast-check";
import { specJsonSchema } from "../../../src/spec/schema.js";
import { parseSpec } from "../../../src/spec/parse.js";
import { specYaml } from "../../e2e/helpers/specs.js";

const schema = specJsonSchema();
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
const root = new URL("../../../", import.meta.url);

describe("the JSON Schema of pki.yaml", () => {
  test("the shipped schema file is exactly what the field table generates (run `npm run schema` after changing fields)", () => {
    expect(JSON.parse(readFileSync(new URL("schema/pki.schema.json", root), "utf8"))).toEqual(schema);
  });

  test("the example spec validates, and carries the yaml-language-server modeline", () => {
    const text = readFileSync(new URL("pki.example.yaml", root), "utf8");
    expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=./schema/pki.schema.json");
    expect(validate(parseYaml(text))).toBe(true);
  });

  test("every spec shape the end-to-end tests write validates", () => {
    const shapes = [
      specYaml({ mqttPort: 8883, wsPort: 8884 }),
      specYaml({
        mqttPort: 8883,
        wsPort: 8884,
        clients: ["a", { name: "b", cn: "b.plant", key: "rsa-2048", topic: "devices/b/x" }],
        caKey: "ec-p384",
        serverKey: "ed25519",
        defaultKey: "ec-p256",
      }),
      specYaml({
        mqttPort: 1,
        wsPort: 2,
        serverLines: ["identityAsUsername: false", "tlsVersion: tlsv1.3"],
        extra: "defaults:\n  password: true\n  acl:\n    - topic: devices/%c/#\n      access: readwrite",
      }),
    ];
    for (const text of shapes) {
      expect(() => parseSpec(text, "pki.yaml")).not.toThrow();
      expect({ ok: validate(parseYaml(text)), errors: validate.errors }).toEqual({ ok: true, errors: null });
    }
  });

  test("whatever the parser accepts, the schema accepts too (random specs)", () => {
    const name = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,10}$/);
    fc.assert(
      fc.property(
        fc.uniqueArray(name, { minLength: 0, maxLength: 4 }),
        fc.constantFrom("ec-p256", "ec-p384", "rsa-2048", "ed25519"),
        fc.integer({ min: 1, max: 2000 }),
        fc.boolean(),
        (clients, key, days, require) => {
          const text = [
            "version: 1",
            "defaults:",
            `  key: ${key}`,
            `  days: ${days}`,
            "ca:",
            "  cn: Fuzz Root CA",
            "servers:",
            "  - name: srv",
            "    dns: [mqtt.test]",
            `    requireCertificate: ${require}`,
            "    listeners:",
            "      - port: 8883",
            "      - port: 8884",
            "        protocol: websockets",
            ...(clients.length ? ["clients:", ...clients.map((c) => `  - name: ${JSON.stringify(c)}`)] : []),
          ].join("\n");
          let accepted = true;
          try {
            parseSpec(text, "pki.yaml");
          } catch {
            accepted = false;
          }
          if (accepted) expect(validate(parseYaml(text))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("an unknown key or a wrong enum is refused by both", () => {
    for (const bad of [
      "version: 1\nca: {cn: X}\nservers: [{name: s, dns: [a.b], listeners: [{port: 1}], dnss: [x]}]",
      "version: 1\nca: {cn: X, key: ec-p999}\nservers: [{name: s, dns: [a.b], listeners: [{port: 1}]}]",
    ]) {
      expect(() => parseSpec(bad, "pki.yaml")).toThrow();
      expect(validate(parseYaml(bad))).toBe(false);
    }
  });
});

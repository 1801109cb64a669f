import { addClientsToSpec } from "../../../src/spec/edit.js";
import { PkiError, SpecError } from "../../../src/errors.js";

const HEAD =
  "version: 1\nca:\n  cn: Edit CA  # the root\nservers:\n  - name: b\n    dns: [mqtt.test]\n    listeners: [{port: 8883}]\n";

describe("addClientsToSpec", () => {
  test.each([
    ["no clients key", HEAD],
    ["an empty clients key", `${HEAD}clients:\n`],
    ["an empty clients key with a comment", `${HEAD}clients:   # devices go here\n`],
    ["an empty flow list", `${HEAD}clients: []\n`],
    ["a block list", `${HEAD}clients:\n  - name: first   # keep me\n`],
    ["a flow list", `${HEAD}clients: [{name: first}]\n`],
  ])("adds to a spec with %s, keeping the lines before the list", (_, text) => {
    const { text: updated, parsed } = addClientsToSpec(text, "pki.yaml", [
      { name: "new-1" },
      { name: "new-2", cn: "new-2.plant" },
    ]);
    expect(updated.startsWith(HEAD)).toBe(true);
    expect(parsed.spec.clients.map((c) => c.name)).toEqual([
      ...(text.includes("first") ? ["first"] : []),
      "new-1",
      "new-2",
    ]);
    expect(parsed.spec.clients.find((c) => c.name === "new-2")?.cn).toBe("new-2.plant");
    if (text.includes("# keep me")) expect(updated).toContain("  - name: first   # keep me\n");
  });

  test("a block list followed by comments and another key gets its items right after its last item, every other line kept", () => {
    const clients =
      "clients:   # fleet\n  - name: first\n    days: 30   # short\n  # - name: retired\n\n  - name: second\n# end of devices\n";
    const text = `version: 1\n${clients}ca:\n  cn: Edit CA\nservers:\n  - name: b\n    dns: [mqtt.test]\n    listeners: [{port: 8883}]\n`;
    const { text: updated, parsed } = addClientsToSpec(text, "pki.yaml", [
      { name: "new-1", days: 90 },
      { name: "new-2", cn: "New Two" },
    ]);
    expect(updated).toBe(
      text.replace(
        "  - name: second\n",
        "  - name: second\n  - name: new-1\n    days: 90\n  - name: new-2\n    cn: New Two\n",
      ),
    );
    expect(parsed.spec.clients.map((c) => [c.name, c.cn, c.days])).toEqual([
      ["first", "first", 30],
      ["second", "second", 397],
      ["new-1", "new-1", 90],
      ["new-2", "New Two", 397],
    ]);
  });

  test.each([
    ["items at column 0", `${HEAD}clients:\n- name: first\n`],
    ["names YAML would read as other types", `${HEAD}clients:\n  - name: first\n`],
  ])("keeps %s right", (what, text) => {
    const added = what.startsWith("names")
      ? [
          { name: "123", cn: "null" },
          { name: "true", cn: "True" },
          { name: "1e3", cn: "~" },
        ]
      : [{ name: "new-1", cn: "cn-1" }];
    const { text: updated, parsed } = addClientsToSpec(text, "pki.yaml", added);
    expect(updated.startsWith(text)).toBe(true);
    expect(parsed.spec.clients.map((c) => [c.name, c.cn])).toEqual([
      ["first", "first"],
      ...added.map((c) => [c.name, c.cn]),
    ]);
  });
});

describe("addClientsToSpec with a name that cannot be a client's", () => {
  const text = `${HEAD}clients:\n  - name: first\n`;

  test("is refused as typed, with no position in lines that were never written, and the lowercase name to try", () => {
    let error: PkiError | undefined;
    try {
      addClientsToSpec(text, "pki.yaml", [{ name: "Sensor-005" }]);
    } catch (caught) {
      error = caught as PkiError;
    }
    expect(error).toBeInstanceOf(PkiError);
    expect(error).not.toBeInstanceOf(SpecError);
    expect(error!.message).toBe("`Sensor-005` is not a file-safe name; nothing was changed");
    expect(error!.hint).toMatch(/^try `mqtt-pki issue sensor-005`/);
  });
});

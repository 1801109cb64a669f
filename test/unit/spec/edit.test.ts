import { addClientsToSpec } from "../../../src/spec/edit.js";

const HEAD = "version: 1\nca:\n  cn: Edit CA  # the root\nservers:\n  - name: b\n    dns: [mqtt.test]\n    listeners: [{port: 8883}]\n";

describe("addClientsToSpec", () => {
  test.each([
    ["no clients key", HEAD],
    ["an empty clients key", `${HEAD}clients:\n`],
    ["an empty clients key with a comment", `${HEAD}clients:   # devices go here\n`],
    ["an empty flow list", `${HEAD}clients: []\n`],
    ["a block list", `${HEAD}clients:\n  - name: first   # keep me\n`],
    ["a flow list", `${HEAD}clients: [{name: first}]\n`],
  ])("adds to a spec with %s, keeping the lines before the list", (_, text) => {
    const { text: updated, parsed } = addClientsToSpec(text, "pki.yaml", [{ name: "new-1" }, { name: "new-2", cn: "new-2.plant" }]);
    expect(updated.startsWith(HEAD)).toBe(true);
    expect(parsed.spec.clients.map((c) => c.name)).toEqual([...(text.includes("first") ? ["first"] : []), "new-1", "new-2"]);
    expect(parsed.spec.clients.find((c) => c.name === "new-2")?.cn).toBe("new-2.plant");
    if (text.includes("# keep me")) expect(updated).toContain("  - name: first   # keep me\n");
  });
});

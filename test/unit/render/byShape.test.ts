import { renderClientCommands } from "../../../src/render/commands.js";
import { renderMqttJsSnippet, renderPahoSnippet } from "../../../src/render/snippets.js";
import { ShapeRenderer } from "../../../src/render/byShape.js";
import type { ClientSpec } from "../../../src/spec/types.js";
import { clientSpec, twoServerSpec } from "../helpers/specs.js";

// Names made of every character a name may hold, overlapping each other and the rest of the text.
const NAMES = ["a", "aa", "e", "m", "sensor-001", "sensor-002", "x.y_z-9", "broker", "mqtt", "hello", "ca", "client"];

describe("ShapeRenderer", () => {
  const spec = twoServerSpec();
  const renderers = {
    commands: (c: ClientSpec) => renderClientCommands(spec, c, false),
    mqttjs: (c: ClientSpec) => renderMqttJsSnippet(spec, c, true),
    paho: (c: ClientSpec) => renderPahoSnippet(spec, c, false),
  };

  test.each(Object.keys(renderers))("renders %s exactly as rendering each client directly does", (kind) => {
    const render = renderers[kind as keyof typeof renderers];
    const shapes = new ShapeRenderer(JSON.stringify({ ...spec, clients: undefined }));
    for (const name of NAMES) {
      for (const client of [
        clientSpec({ name }),
        clientSpec({ name, cn: `${name}.plant-a`, topic: `plant/${name}/${name}` }),
        clientSpec({ name, acl: [{ topic: `devices/${name}/#`, access: "readwrite" }] }),
      ]) {
        expect(shapes.render(kind, client, render)).toBe(render(client));
      }
    }
  });

  test("renders a fleet whose clients differ only by name once", () => {
    const shapes = new ShapeRenderer(JSON.stringify({ ...spec, clients: undefined }));
    let calls = 0;
    const counted = (c: ClientSpec) => (calls++, renderers.commands(c));
    const fleet = Array.from({ length: 20 }, (_, i) => `sensor-${String(i).padStart(3, "0")}`);
    const texts = fleet.map((name) => shapes.render("commands", clientSpec({ name }), counted));
    expect(calls).toBe(1);
    expect(texts).toEqual(fleet.map((name) => renderers.commands(clientSpec({ name }))));
  });

  test("renders directly when the placeholder is already in the text", () => {
    const shapes = new ShapeRenderer("{}");
    const client = clientSpec({ name: "a", topic: "mqtt-pki-client-name/a" });
    expect(shapes.render("commands", client, renderers.commands)).toBe(renderers.commands(client));
  });
});

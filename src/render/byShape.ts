import type { ClientSpec } from "../spec/types.js";

/** Stands for a client's name in text made once per shape (here, and in verify's command parsing). */
export const NAME_PLACEHOLDER = "mqtt-pki-client-name";
const MAX_SHAPES = 64;

/**
 * Renders a fleet's client files once per shape. Clients that differ only by their name
 * (the usual fleet: same key, days and ACLs, CN and topic made from the name) are rendered
 * once with a placeholder name and then get their own name swapped back in. A name is
 * file-safe (letters, digits, . _ -), and every quoting the renderers do (shell, JSON, Python)
 * leaves those characters as they are, so the text is exactly what rendering the client
 * directly gives. Anything that already holds the placeholder is rendered directly.
 */
export class ShapeRenderer {
  private readonly texts = new Map<string, string>();

  /** `shared` is everything else the renderers read (the spec without its clients, flags), as text. */
  constructor(private readonly shared: string) {}

  render(kind: string, client: ClientSpec, render: (client: ClientSpec) => string): string {
    const own = JSON.stringify(client);
    if (this.shared.includes(NAME_PLACEHOLDER) || own.includes(NAME_PLACEHOLDER)) return render(client);
    const shaped = renamed(client, client.name, NAME_PLACEHOLDER);
    const key = `${kind}\n${JSON.stringify(shaped)}`;
    let text = this.texts.get(key);
    if (text === undefined) {
      text = render(shaped);
      if (this.texts.size < MAX_SHAPES) this.texts.set(key, text);
    }
    return text.replaceAll(NAME_PLACEHOLDER, client.name);
  }
}

/** The client with every occurrence of `from` in its text fields (ACL topics too) replaced by `to`. */
function renamed(client: ClientSpec, from: string, to: string): ClientSpec {
  const swap = (value: unknown): unknown => {
    if (typeof value === "string") return value.replaceAll(from, to);
    if (Array.isArray(value)) return value.map(swap);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swap(v)]));
    return value;
  };
  return swap(client) as ClientSpec;
}

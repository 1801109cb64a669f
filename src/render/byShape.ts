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
  /** The last client's shape: its files are rendered one after another. */
  private last?: { client: ClientSpec; shape?: { client: ClientSpec; key: string } };

  private readonly sharedHasPlaceholder: boolean;

  /** `shared` is everything else the renderers read (the spec without its clients, flags), as text. */
  constructor(shared: string) {
    this.sharedHasPlaceholder = shared.includes(NAME_PLACEHOLDER);
  }

  render(kind: string, client: ClientSpec, render: (client: ClientSpec) => string): string {
    const shape = this.shapeOf(client);
    if (!shape) return render(client);
    const key = `${kind}\n${shape.key}`;
    let text = this.texts.get(key);
    if (text === undefined) {
      text = render(shape.client);
      if (this.texts.size < MAX_SHAPES) this.texts.set(key, text);
    }
    return text.replaceAll(NAME_PLACEHOLDER, client.name);
  }

  /** The client with the placeholder for its name, and that as text; undefined when the placeholder is already there. */
  private shapeOf(client: ClientSpec): { client: ClientSpec; key: string } | undefined {
    if (this.last?.client === client) return this.last.shape;
    let shape: { client: ClientSpec; key: string } | undefined;
    if (!this.sharedHasPlaceholder && !JSON.stringify(client).includes(NAME_PLACEHOLDER)) {
      const shaped = renamed(client, client.name, NAME_PLACEHOLDER);
      shape = { client: shaped, key: JSON.stringify(shaped) };
    }
    this.last = { client, shape };
    return shape;
  }
}

/** The client with every occurrence of `from` in its text fields (ACL topics too) replaced by `to`. */
function renamed(client: ClientSpec, from: string, to: string): ClientSpec {
  const swap = (value: unknown): unknown => {
    if (typeof value === "string") return value.replaceAll(from, to);
    if (Array.isArray(value)) return value.map(swap);
    if (value && typeof value === "object")
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swap(v)]));
    return value;
  };
  return swap(client) as ClientSpec;
}

import { read } from "read";
import { PkiError } from "../errors.js";

/** Where automation puts the CA key's passphrase; a terminal is asked instead when it is unset. */
export const PASSPHRASE_ENV = "MQTT_PKI_CA_PASSPHRASE";

/** Where automation puts the password of an exported PKCS#12 bundle; a terminal is asked instead when it is unset. */
export const P12_PASSWORD_ENV = "MQTT_PKI_P12_PASSWORD";

/** A source of the bundle's password, asked only once everything else is known to be in order. */
export type P12PasswordSource = () => Promise<string>;

/** A source of the CA passphrase, asked only when a command really has to sign. */
export type PassphraseSource = (purpose: "unlock" | "new") => Promise<string>;

/** $MQTT_PKI_CA_PASSPHRASE, else a no-echo prompt on a terminal, else a clear error. */
export const defaultPassphrase: PassphraseSource = async (purpose) => {
  const fromEnv = process.env[PASSPHRASE_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  if (!process.stdin.isTTY) {
    throw new PkiError(`the CA key is encrypted and no passphrase was given`, {
      hint: `set ${PASSPHRASE_ENV} (for automation) or run the command in a terminal to be asked`,
    });
  }
  const first = await read({
    prompt: purpose === "new" ? "Passphrase for the new CA key: " : "CA key passphrase: ",
    silent: true,
    replace: "",
  });
  if (purpose === "new") {
    const again = await read({ prompt: "Repeat it: ", silent: true, replace: "" });
    refuseMistypedOrShort({ first, again, noun: "passphrase" });
  }
  return first;
};

/** $MQTT_PKI_P12_PASSWORD, else a no-echo prompt (twice) on a terminal, else a clear error. */
export const defaultP12Password: P12PasswordSource = async () => {
  const fromEnv = process.env[P12_PASSWORD_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  if (!process.stdin.isTTY) {
    throw new PkiError("a PKCS#12 bundle needs a password and none was given; nothing was written", {
      hint: `set ${P12_PASSWORD_ENV} (for automation) or run the command in a terminal to be asked`,
    });
  }
  // Prompts go to stderr so `--json` output on stdout stays parseable.
  const first = await read({
    prompt: "Password for the PKCS#12 bundle: ",
    silent: true,
    replace: "",
    output: process.stderr,
  });
  const again = await read({ prompt: "Repeat it: ", silent: true, replace: "", output: process.stderr });
  refuseMistypedOrShort({ first, again, noun: "password" });
  return first;
};

/** The bundle's password from its source; an empty one is refused (a source of the caller's may give one). */
export async function askP12Password(source: P12PasswordSource): Promise<string> {
  const password = await source();
  if (password === "")
    throw new PkiError("the PKCS#12 password is empty; nothing was written", {
      hint: `set ${P12_PASSWORD_ENV} to a non-empty password`,
    });
  return password;
}

interface TypedTwice {
  first: string;
  again: string;
  noun: "passphrase" | "password";
}

/** A new secret is typed twice, so that a typo does not lock its owner out of what it protects. */
function refuseMistypedOrShort({ first, again, noun }: TypedTwice): void {
  if (again !== first)
    throw new PkiError(`the two ${noun}s differ; nothing was written`, { hint: "run the command again" });
  if (first.length < 8)
    throw new PkiError(`the ${noun} is shorter than 8 characters; nothing was written`, {
      hint: "choose a longer one",
    });
}

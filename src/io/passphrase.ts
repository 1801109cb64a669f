import { read } from "read";
import { PkiError } from "../errors.js";

/** Where automation puts the CA key's passphrase; a terminal is asked instead when it is unset. */
export const PASSPHRASE_ENV = "MQTT_PKI_CA_PASSPHRASE";

/** Where automation puts the password of an exported PKCS#12 bundle. */
export const P12_PASSWORD_ENV = "MQTT_PKI_P12_PASSWORD";

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
    if (again !== first)
      throw new PkiError("the two passphrases differ; nothing was written", { hint: "run the command again" });
    if (first.length < 8)
      throw new PkiError("the passphrase is shorter than 8 characters; nothing was written", {
        hint: "choose a longer one",
      });
  }
  return first;
};

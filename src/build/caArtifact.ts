import path from "node:path";
import { PkiError } from "../errors.js";
import { issueCaCert } from "../crypto/issue.js";
import { encryptPrivateKey, generateKey, isEncryptedPem } from "../crypto/keys.js";
import { softwareSigner } from "../crypto/signer.js";
import type { PassphraseSource } from "../io/passphrase.js";
import type { BuildPlan } from "../plan/planBuild.js";
import type { TreeState } from "../tree/read.js";
import type { Spec } from "../spec/types.js";
import { decryptCaKey, loadCa, type LoadedCa } from "./loadedCa.js";
import { perms, type TreeWriter } from "./treeWriter.js";

/** What the CA step needs: the spec, the plan, the tree as read, the time, where its files go, and the passphrase. */
export interface CaRun {
  spec: Spec;
  plan: BuildPlan;
  tree: TreeState;
  now: Date;
  out: TreeWriter;
  passphrase: PassphraseSource;
}

/** The signing CA and, during a rotation, the retiring one; writes the CA files and the trust bundle. */
export async function prepareCas(run: CaRun): Promise<{ current: LoadedCa; previous?: LoadedCa }> {
  const { spec, plan, tree, now, out, passphrase } = run;
  const { layout } = out;
  let current: LoadedCa;
  let replaces: string | undefined;
  if (plan.ca.action === "keep") {
    current = loadCa(tree.ca.certPem!, tree.ca.keyPem!, passphrase);
    if (spec.ca.encryptKey && !isEncryptedPem(current.keyPem)) {
      // Same key, now encrypted: the only change the CA key guard lets through besides `rotate ca`.
      replaces = current.keyPem;
      current = loadCa(
        current.pem,
        encryptPrivateKey(current.keyPem, await passphrase("new")),
        passphrase,
        current.keyPem,
      );
    }
  } else {
    const key = plan.ca.newKey ? await generateKey(spec.ca.key) : await decryptCaKey(tree.ca.keyPem!, passphrase);
    const signer = await softwareSigner(key.privateKeyPem, key.algorithm);
    const issued = await issueCaCert(signer, spec.ca, key.spkiDer, now);
    const stored = plan.ca.newKey
      ? spec.ca.encryptKey
        ? encryptPrivateKey(key.privateKeyPem, await passphrase("new"))
        : key.privateKeyPem
      : tree.ca.keyPem!;
    current = loadCa(issued.pem, stored, passphrase, key.privateKeyPem);
  }

  let previous: LoadedCa | undefined;
  if (plan.caRotation === "start") previous = loadCa(tree.ca.certPem!, tree.ca.keyPem!, passphrase);
  else if (plan.rotating) previous = loadCa(tree.previousCa.certPem!, tree.previousCa.keyPem!, passphrase);

  out.dir(layout.caDir, perms.caDir);
  if (previous) {
    // The old CA's key is written to its new place before ca.key is replaced (keys go first, in order).
    out.dir(path.dirname(layout.previousCaCert), perms.caDir);
    out.file(layout.previousCaKey, previous.keyPem, perms.caKey, true);
    out.file(layout.previousCaCert, previous.pem, perms.publicFile);
    out.file(layout.caBundle, previous.pem + current.pem, perms.publicFile);
  }
  if (plan.caRotation === "finish") {
    out.archive("ca", tree.previousCa.facts, tree.previousCa.certPem, tree.previousCa.keyPem, "ca");
    out.removals.push(
      layout.previousCaKey,
      layout.previousCaCert,
      path.dirname(layout.previousCaCert),
      layout.caBundle,
    );
  }
  out.file({
    path: layout.caKey,
    content: current.keyPem,
    own: perms.caKey,
    isKey: true,
    ...(plan.caRotation !== "start" && { mustNotReplace: true, replaces }),
  });
  out.file(layout.caCert, current.pem, perms.publicFile);
  refuseExpiredCa(current, now);
  return { current, previous };
}

/** Certificates from an expired CA are useless and hide the real problem: say so instead. */
function refuseExpiredCa(ca: LoadedCa, now: Date): void {
  if (ca.facts.notAfter.getTime() > now.getTime()) return;
  throw new PkiError(`the CA expired on ${ca.facts.notAfter.toISOString().slice(0, 10)}; nothing was issued`, {
    hint: "start a CA rotation with `mqtt-pki rotate ca` (every device will need the new CA), or restore a valid CA",
  });
}

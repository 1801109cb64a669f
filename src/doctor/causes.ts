import { clientCertCauses } from "./clientCertCauses.js";
import { connectionCauses } from "./connectionCauses.js";
import { serverCertCauses } from "./serverCertCauses.js";

/**
 * The words: for each failure doctor can name, the cause and the fix in a sentence or two.
 * diagnose.ts and its stages decide which one applies; these files only phrase it. The
 * phrasing lives in one file per family; this one gathers them under one name.
 */

export { quoted, when, type Cause, type CauseId, type Wording } from "./phrasing.js";

export const causes = { ...clientCertCauses, ...connectionCauses, ...serverCertCauses };

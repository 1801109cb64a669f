import { X509Certificate, createPublicKey } from "node:crypto";
import { createRequire } from "node:module";
import * as peculiarX509 from "@peculiar/x509";
import type * as PeculiarWebcrypto from "@peculiar/webcrypto";
import {
  issueCaCert,
  issueClientCert,
  issueLeaves,
  issueServerCert,
  type IssuingCa,
} from "../../../src/crypto/issue.js";
import { generateKey, type KeyMaterial } from "../../../src/crypto/keys.js";
import { softwareSigner, type Signer } from "../../../src/crypto/signer.js";
import { caCrypto } from "../../../src/crypto/provider.js";
import { issueCrl } from "../../../src/crypto/crl.js";
import { certFacts, CLIENT_AUTH, issuedBy, SERVER_AUTH, shortestIp } from "../../../src/crypto/facts.js";
import { ipProblem } from "../../../src/spec/rules.js";
import type { KeyAlgorithm } from "../../../src/spec/types.js";
import { caSpec, clientSpec, serverSpec } from "../helpers/specs.js";

const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date("2031-03-04T05:06:07.000Z");

/** Reads an extension with @peculiar/x509's parser (independent of how it was built). */
function extension<T extends peculiarX509.Extension>(pem: string, type: new (raw: BufferSource) => T): T | undefined {
  return new peculiarX509.X509Certificate(pem).getExtension(type) ?? undefined;
}

interface TestCa extends IssuingCa {
  key: KeyMaterial;
  pem: string;
  node: X509Certificate;
}

async function makeCa(algorithm: KeyAlgorithm = "ec-p256", days = 3650, crypto?: Crypto): Promise<TestCa> {
  const key = await generateKey(algorithm);
  const signer: Signer = crypto
    ? await softwareSigner(key.privateKeyPem, algorithm, crypto)
    : await softwareSigner(key.privateKeyPem, algorithm);
  const issued = await issueCaCert(signer, caSpec({ key: algorithm, days }), key.spkiDer, NOW);
  return {
    signer,
    certificate: issued.certificate,
    keyAlgorithm: algorithm,
    key,
    pem: issued.pem,
    node: new X509Certificate(issued.pem),
  };
}

describe("issueCaCert", () => {
  let ca: TestCa;
  beforeAll(async () => {
    ca = await makeCa("ec-p384", 3650);
  });

  test("is a self-signed CA certificate Node accepts", () => {
    expect(ca.node.ca).toBe(true);
    expect(ca.node.checkIssued(ca.node)).toBe(true);
    expect(ca.node.verify(ca.node.publicKey)).toBe(true);
    expect(ca.node.subject).toBe("O=Test Org\nCN=Test Root CA");
    expect(ca.node.issuer).toBe(ca.node.subject);
  });

  test("PEM ends with a newline and round-trips", () => {
    expect(ca.pem.endsWith("-----END CERTIFICATE-----\n")).toBe(true);
    expect(ca.node.publicKey.export({ type: "spki", format: "der" }).equals(ca.key.spkiDer)).toBe(true);
  });

  test("validity: backdated 5 minutes, lasts `days`", () => {
    expect(new Date(ca.node.validFrom).getTime()).toBe(NOW.getTime() - 5 * 60 * 1000);
    expect(new Date(ca.node.validTo).getTime()).toBe(NOW.getTime() + 3650 * DAY);
  });

  test("serial is 16 bytes, positive, no padding", () => {
    expect(ca.node.serialNumber).toMatch(/^[4-7][0-9A-F]{31}$/i);
  });

  test("critical basicConstraints and keyCertSign, SKI but no AKI", () => {
    const basic = extension(ca.pem, peculiarX509.BasicConstraintsExtension)!;
    expect(basic.ca).toBe(true);
    expect(basic.critical).toBe(true);
    const usage = extension(ca.pem, peculiarX509.KeyUsagesExtension)!;
    expect(usage.usages & peculiarX509.KeyUsageFlags.keyCertSign).toBeTruthy();
    expect(usage.usages & peculiarX509.KeyUsageFlags.cRLSign).toBeTruthy();
    expect(usage.usages & peculiarX509.KeyUsageFlags.digitalSignature).toBeFalsy();
    expect(extension(ca.pem, peculiarX509.SubjectKeyIdentifierExtension)?.keyId).toMatch(/^[0-9a-f]{40}$/);
    expect(extension(ca.pem, peculiarX509.AuthorityKeyIdentifierExtension)).toBeUndefined();
  });

  test("the SKI equals the one @peculiar/x509 computes itself from the public key", async () => {
    const ski = extension(ca.pem, peculiarX509.SubjectKeyIdentifierExtension)!.keyId;
    const computed = await peculiarX509.SubjectKeyIdentifierExtension.create(
      ca.signer.publicKey,
      false,
      ca.signer.crypto,
    );
    expect(ski).toBe(computed.keyId);
  });
});

describe("issueServerCert / issueClientCert", () => {
  let ca: TestCa;
  beforeAll(async () => {
    ca = await makeCa("ec-p256", 3650);
  });

  test("server: serverAuth EKU, SAN DNS+IP, no keyEncipherment for EC, chains to the CA", async () => {
    const key = await generateKey("ec-p256");
    const issued = await issueServerCert(ca, serverSpec({ key: "ec-p256", days: 397 }), key.spkiDer, NOW);
    expect(issued.clamped).toBe(false);
    const node = new X509Certificate(issued.pem);
    expect(node.ca).toBe(false);
    expect(node.keyUsage).toEqual([SERVER_AUTH]);
    expect(node.subjectAltName).toBe(
      "DNS:mqtt.example.com, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1",
    );
    expect(node.subject).toBe("CN=mqtt.example.com");
    expect(node.issuer).toBe(ca.node.subject);
    expect(node.checkIssued(ca.node)).toBe(true);
    expect(node.verify(ca.node.publicKey)).toBe(true);
    expect(node.checkHost("localhost")).toBe("localhost");
    expect(node.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(node.checkIP("::1")).toBeDefined();
    expect(node.checkHost("evil.example.com")).toBeUndefined();
    expect(node.publicKey.export({ type: "spki", format: "der" }).equals(key.spkiDer)).toBe(true);
    const usage = extension(issued.pem, peculiarX509.KeyUsagesExtension)!;
    expect(usage.critical).toBe(true);
    expect(usage.usages).toBe(peculiarX509.KeyUsageFlags.digitalSignature);
    expect(new Date(node.validTo).getTime()).toBe(NOW.getTime() + 397 * DAY);
  });

  test("server with an RSA key: keyEncipherment is set", async () => {
    const key = await generateKey("rsa-2048");
    const issued = await issueServerCert(ca, serverSpec({ key: "rsa-2048" }), key.spkiDer, NOW);
    const usage = extension(issued.pem, peculiarX509.KeyUsagesExtension)!;
    expect(usage.usages).toBe(peculiarX509.KeyUsageFlags.digitalSignature | peculiarX509.KeyUsageFlags.keyEncipherment);
    expect(new X509Certificate(issued.pem).verify(ca.node.publicKey)).toBe(true);
  });

  test("client: clientAuth EKU, no SAN, full subject in order, RSA client has no keyEncipherment", async () => {
    const key = await generateKey("rsa-2048");
    const client = clientSpec({
      name: "sensor-002",
      cn: "sensor-002.plant-a",
      o: "Org",
      ou: "Unit",
      c: "DE",
      st: "BY",
      l: "Town",
      key: "rsa-2048",
      days: 30,
    });
    const issued = await issueClientCert(ca, client, key.spkiDer, NOW);
    const node = new X509Certificate(issued.pem);
    expect(node.keyUsage).toEqual([CLIENT_AUTH]);
    expect(node.subjectAltName).toBeUndefined();
    expect(node.subject).toBe("C=DE\nST=BY\nL=Town\nO=Org\nOU=Unit\nCN=sensor-002.plant-a");
    expect(node.verify(ca.node.publicKey)).toBe(true);
    expect(extension(issued.pem, peculiarX509.KeyUsagesExtension)!.usages).toBe(
      peculiarX509.KeyUsageFlags.digitalSignature,
    );
    expect(extension(issued.pem, peculiarX509.BasicConstraintsExtension)!.ca).toBe(false);
  });

  test("leaf AKI == CA SKI, leaf SKI identifies the leaf key", async () => {
    const key = await generateKey("ed25519");
    const issued = await issueClientCert(ca, clientSpec({ key: "ed25519" }), key.spkiDer, NOW);
    const aki = extension(issued.pem, peculiarX509.AuthorityKeyIdentifierExtension)!.keyId;
    const caSki = extension(ca.pem, peculiarX509.SubjectKeyIdentifierExtension)!.keyId;
    expect(aki).toBeDefined();
    expect(aki).toBe(caSki);
    const leafSki = extension(issued.pem, peculiarX509.SubjectKeyIdentifierExtension)!.keyId;
    expect(leafSki).not.toBe(caSki);
    const leafPublic = await peculiarX509.PublicKey.create(new Uint8Array(key.spkiDer));
    expect(leafSki).toBe(Buffer.from(await leafPublic.getKeyIdentifier()).toString("hex"));
  });

  test("two certificates never share a serial", async () => {
    const key = await generateKey("ec-p256");
    const a = new X509Certificate((await issueClientCert(ca, clientSpec(), key.spkiDer, NOW)).pem);
    const b = new X509Certificate((await issueClientCert(ca, clientSpec(), key.spkiDer, NOW)).pem);
    expect(a.serialNumber).not.toBe(b.serialNumber);
    expect(a.serialNumber).not.toBe(ca.node.serialNumber);
  });

  test("certFacts reads the issued server certificate back", async () => {
    const key = await generateKey("ec-p384");
    const issued = await issueServerCert(ca, serverSpec({ key: "ec-p384" }), key.spkiDer, NOW);
    const facts = certFacts(issued.pem);
    const caFacts = certFacts(ca.pem);
    expect(facts.cn).toBe("mqtt.example.com");
    expect(facts.dns).toEqual(["mqtt.example.com", "localhost"]);
    // OpenSSL prints the IPv6 SAN as 0:0:0:0:0:0:0:1; the facts say it as people write it.
    expect(facts.ip).toEqual(["127.0.0.1", "::1"]);
    expect(facts.keyAlgorithm).toBe("ec-p384");
    expect(facts.isCa).toBe(false);
    expect(caFacts.isCa).toBe(true);
    expect(facts.extendedKeyUsage).toEqual([SERVER_AUTH]);
    expect(issuedBy(facts, caFacts)).toBe(true);
    expect(issuedBy(caFacts, facts)).toBe(false);
  });
});

describe("lifetime clamping", () => {
  let ca: TestCa;
  beforeAll(async () => {
    ca = await makeCa("ec-p256", 10);
  });

  test("a leaf asking for more days than the CA has left ends with the CA, clamped=true", async () => {
    const key = await generateKey("ec-p256");
    const issued = await issueServerCert(ca, serverSpec({ days: 397 }), key.spkiDer, NOW);
    expect(issued.clamped).toBe(true);
    const node = new X509Certificate(issued.pem);
    expect(new Date(node.validTo).getTime()).toBe(new Date(ca.node.validTo).getTime());
    expect(new Date(node.validTo).getTime()).toBe(NOW.getTime() + 10 * DAY);
  });

  test("clamping also applies when the leaf is issued later in the CA's life", async () => {
    const key = await generateKey("ec-p256");
    const later = new Date(NOW.getTime() + 8 * DAY);
    const issued = await issueClientCert(ca, clientSpec({ days: 5 }), key.spkiDer, later);
    expect(issued.clamped).toBe(true);
    expect(new Date(new X509Certificate(issued.pem).validTo).getTime()).toBe(NOW.getTime() + 10 * DAY);
  });

  test("a leaf within the CA's lifetime is not clamped", async () => {
    const key = await generateKey("ec-p256");
    const issued = await issueClientCert(ca, clientSpec({ days: 9 }), key.spkiDer, NOW);
    expect(issued.clamped).toBe(false);
    expect(new Date(new X509Certificate(issued.pem).validTo).getTime()).toBe(NOW.getTime() + 9 * DAY);
  });

  test("exactly the CA's lifetime is not clamped", async () => {
    const key = await generateKey("ec-p256");
    const issued = await issueClientCert(ca, clientSpec({ days: 10 }), key.spkiDer, NOW);
    expect(issued.clamped).toBe(false);
  });

  test("a leaf's notBefore never precedes the CA's", async () => {
    const key = await generateKey("ec-p256");
    // Issued "before" the CA existed (a clock that lags): the back-dated notBefore is cut to the CA's.
    const issued = await issueClientCert(
      ca,
      clientSpec({ days: 1 }),
      key.spkiDer,
      new Date(NOW.getTime() - 60 * 60 * 1000),
    );
    const node = new X509Certificate(issued.pem);
    expect(new Date(node.validFrom).getTime()).toBe(new Date(ca.node.validFrom).getTime());
    // Issued a minute after the CA: back-dated 5 minutes from then, which is after the CA's start.
    const later = new X509Certificate(
      (await issueClientCert(ca, clientSpec({ days: 1 }), key.spkiDer, new Date(NOW.getTime() + 60 * 1000))).pem,
    );
    expect(new Date(later.validFrom).getTime()).toBe(NOW.getTime() + 60 * 1000 - 5 * 60 * 1000);
  });
});

describe("every CA key algorithm signs leaves Node verifies", () => {
  test.each(["ec-p256", "ec-p384", "ed25519", "rsa-2048"] as const)("%s", async (algorithm) => {
    const ca = await makeCa(algorithm, 100);
    expect(ca.node.verify(ca.node.publicKey)).toBe(true);
    const key = await generateKey("ec-p256");
    const leaf = new X509Certificate((await issueServerCert(ca, serverSpec(), key.spkiDer, NOW)).pem);
    expect(leaf.verify(ca.node.publicKey)).toBe(true);
    expect(certFacts(ca.pem).keyAlgorithm).toBe(algorithm);
  });
});

describe("Signer: a different WebCrypto provider slots in", () => {
  test.each(["ec-p256", "rsa-2048"] as const)("@peculiar/webcrypto signs CA and leaves (%s)", async (algorithm) => {
    // `await import("@peculiar/webcrypto")` works under plain Node, but Jest's ESM loader picks the
    // package's `import` build (ESM syntax in a .js file of a CommonJS package) and cannot parse it;
    // the CommonJS build is the same provider.
    const { Crypto } = createRequire(import.meta.url)("@peculiar/webcrypto") as typeof PeculiarWebcrypto;
    const provider = new Crypto();
    let signCalls = 0;
    const sign = provider.subtle.sign.bind(provider.subtle);
    provider.subtle.sign = ((...args: Parameters<SubtleCrypto["sign"]>) => {
      signCalls++;
      return sign(...args);
    }) as SubtleCrypto["sign"];

    const ca = await makeCa(algorithm, 365, provider as unknown as Crypto);
    expect(ca.signer.crypto).toBe(provider);
    expect(signCalls).toBe(1);
    expect(ca.node.verify(ca.node.publicKey)).toBe(true);

    const serverKey = await generateKey("ec-p256");
    const clientKey = await generateKey("ed25519");
    const server = new X509Certificate((await issueServerCert(ca, serverSpec(), serverKey.spkiDer, NOW)).pem);
    const client = new X509Certificate((await issueClientCert(ca, clientSpec(), clientKey.spkiDer, NOW)).pem);
    expect(signCalls).toBe(3);
    const caPublicKey = createPublicKey(ca.key.privateKeyPem);
    expect(server.verify(caPublicKey)).toBe(true);
    expect(client.verify(caPublicKey)).toBe(true);
    expect(server.checkIssued(ca.node)).toBe(true);

    // Control: another CA's key does not verify them.
    const other = await generateKey(algorithm);
    expect(server.verify(createPublicKey(other.privateKeyPem))).toBe(false);
  });
});

describe("IP SANs land in the certificate as written", () => {
  // 64:ff9b::192.0.2.1 (NAT64) passes ipProblem but @peculiar/x509 writes it as 64:ff9b::192.
  const candidates = ["192.0.2.10", "::1", "2001:db8::1", "fe80::1%eth0", "64:ff9b::192.0.2.1", "::192.0.2.1"];
  let ca: TestCa;
  beforeAll(async () => {
    ca = await makeCa("ec-p256", 100);
  });

  test.each(candidates)("%s is either refused by ipProblem or encoded faithfully", async (ip) => {
    if (ipProblem(ip) !== undefined) return;
    const key = await generateKey("ec-p256");
    const node = new X509Certificate(
      (await issueServerCert(ca, serverSpec({ dns: [], ip: [ip], host: ip }), key.spkiDer, NOW)).pem,
    );
    // Node's checkIP compares by value (a zone id cannot be in a certificate: compare without it).
    expect(node.checkIP(ip.replace(/%.*$/, ""))).toBeDefined();
    expect(certFacts(node.toString()).ip.length).toBe(1);
  });
});

test.each([
  ["0:0:0:0:0:0:0:1", "::1"],
  ["FE80:0:0:0:0:0:0:1", "fe80::1"],
  ["2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
  ["127.0.0.1", "127.0.0.1"],
])("shortestIp(%s) is %s", (printed, shortest) => expect(shortestIp(printed)).toBe(shortest));

describe("issueLeaves: many at once", () => {
  test("keys made where asked, given keys kept, order kept, serials unique, each chains to its own CA", async () => {
    const [ca, other] = [await makeCa("ec-p256"), await makeCa("ed25519")];
    const given = await generateKey("ec-p256");
    const requests = Array.from({ length: 60 }, (_, i) => ({
      ca: i % 3 === 0 ? other : ca,
      role: (i % 10 === 0 ? "server" : "client") as "server" | "client",
      holder: i % 10 === 0 ? serverSpec({ name: `s${i}`, cn: `s${i}.example` }) : clientSpec({ name: `c${i}` }),
      spkiDer: i === 7 ? given.spkiDer : undefined,
    }));
    const seen: number[] = [];
    const issued = await issueLeaves(requests, NOW, (index) => seen.push(index));
    expect(seen.sort((a, b) => a - b)).toEqual(requests.map((_, i) => i));
    expect(new Set(issued.map((leaf) => leaf.serial)).size).toBe(60);
    issued.forEach((leaf, i) => {
      const cert = new X509Certificate(leaf.pem);
      expect(cert.subject).toContain(`CN=${requests[i].holder.cn}`);
      expect(cert.verify((requests[i].ca as TestCa).node.publicKey)).toBe(true);
      expect(cert.serialNumber.toLowerCase()).toBe(leaf.serial);
      expect(cert.publicKey.export({ type: "spki", format: "der" }).equals(leaf.spkiDer)).toBe(true);
      if (i === 7) expect(leaf.keyPem).toBeUndefined();
      else
        expect(createPublicKey(leaf.keyPem!).export({ type: "spki", format: "der" }).equals(leaf.spkiDer)).toBe(true);
    });
    expect(issued[7].spkiDer.equals(given.spkiDer)).toBe(true);
  });
});

describe("the CA side goes through @peculiar/webcrypto, leaves through node:crypto", () => {
  test.each(["ec-p256", "ec-p384", "rsa-2048", "ed25519"] as const)(
    "%s: the CA certificate and a CRL are signed by the CA-side provider, a leaf is not",
    async (algorithm) => {
      const { Crypto } = createRequire(import.meta.url)("@peculiar/webcrypto") as typeof PeculiarWebcrypto;
      const provider = caCrypto();
      expect(provider).toBeInstanceOf(Crypto);
      let signCalls = 0;
      const sign = provider.subtle.sign.bind(provider.subtle);
      provider.subtle.sign = ((...args: Parameters<SubtleCrypto["sign"]>) => {
        signCalls++;
        return sign(...args);
      }) as SubtleCrypto["sign"];
      try {
        const ca = await makeCa(algorithm, 365);
        expect(ca.signer.crypto).toBe(provider);
        expect(signCalls).toBe(1);
        expect(ca.node.verify(ca.node.publicKey)).toBe(true);
        const leafKey = await generateKey("ec-p256");
        const leaf = new X509Certificate((await issueClientCert(ca, clientSpec(), leafKey.spkiDer, NOW)).pem);
        expect(signCalls).toBe(1);
        expect(leaf.verify(ca.node.publicKey)).toBe(true);
        const crl = await issueCrl(ca, {
          entries: [],
          crlNumber: 1,
          thisUpdate: NOW,
          nextUpdate: new Date(NOW.getTime() + 30 * 86_400_000),
        });
        expect(signCalls).toBe(2);
        expect(await new peculiarX509.X509Crl(crl).verify({ publicKey: ca.certificate.publicKey })).toBe(true);
      } finally {
        provider.subtle.sign = sign;
      }
    },
  );
});

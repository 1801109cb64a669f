import {
  hasControlCharacters,
  ipProblem,
  isSafeName,
  isValidDnsName,
  sanCovers,
  topicProblem,
} from "../../../src/spec/rules.js";

describe("isSafeName", () => {
  test.each(["sensor-001", "a", "0", "broker.local", "a_b", "x".repeat(63), "a.b-c_d"])("accepts %j", (name) => {
    expect(isSafeName(name)).toBe(true);
  });

  test.each([
    "",
    "../x",
    "..",
    "a..b",
    "A",
    "Sensor",
    "a b",
    "a;rm -rf ~",
    "-lead",
    ".hidden",
    "_x",
    "a/b",
    "a\\b",
    "x".repeat(64),
    "a$b",
    "a\nb",
    "é",
  ])("rejects %j", (name) => {
    expect(isSafeName(name)).toBe(false);
  });
});

describe("isValidDnsName", () => {
  test.each([
    "localhost",
    "mqtt.example.com",
    "a",
    "xn--bcher-kva.example",
    "a-b.c",
    "A.EXAMPLE.COM",
    "1.2.3.4",
    "*.example.com",
    `${"a".repeat(63)}.com`,
  ])("accepts %j", (name) => {
    expect(isValidDnsName(name)).toBe(true);
  });

  test.each([
    "",
    "-bad-.example",
    "bad-.example",
    "-bad.example",
    "a..b",
    ".example.com",
    "example.com.",
    "*",
    "*.",
    "**.example.com",
    "a.*.example.com",
    "foo*.example.com",
    "*.*.example.com",
    "a_b.example.com",
    "a b",
    `${"a".repeat(64)}.com`,
    `${"a".repeat(60)}.`.repeat(5) + "com",
    "mqtt.example.com:8883",
  ])("rejects %j", (name) => {
    expect(isValidDnsName(name)).toBe(false);
  });

  test("the 253-character limit applies to the name without the wildcard", () => {
    const label = "a".repeat(49);
    const name = Array(5).fill(label).join(".") + ".abc"; // 5*49 + 4 dots + 4 = 253
    expect(name.length).toBe(253);
    expect(isValidDnsName(name)).toBe(true);
    expect(isValidDnsName(`*.${name}`)).toBe(true);
    expect(isValidDnsName(`${name}a`)).toBe(false); // 254
  });
});

describe("ipProblem", () => {
  test.each([
    "127.0.0.1",
    "192.0.2.10",
    "0.0.0.0",
    "::1",
    "::",
    "2001:db8::1",
    "fe80::1",
    "0:0:0:0:0:0:0:1",
    "2001:DB8::A",
  ])("accepts %j", (ip) => {
    expect(ipProblem(ip)).toBeUndefined();
  });

  test.each(["300.1.1.1", "1.2.3", "localhost", "", "1.2.3.4.5", "::1::", "[::1]", " 1.2.3.4"])(
    "rejects %j as not an IP",
    (ip) => {
      expect(ipProblem(ip)).toBe(`\`${ip}\` is not an IP address`);
    },
  );

  test.each(["::ffff:10.0.0.1", "::FFFF:192.0.2.1"])("rejects IPv4-mapped %j", (ip) => {
    expect(ipProblem(ip)).toBe(`\`${ip}\` is an IPv4-mapped IPv6 address`);
  });

  // @peculiar/x509 mis-encodes every IPv6 with a dotted IPv4 tail, not only ::ffff:
  // (64:ff9b::192.0.2.1 lands in the certificate as 64:ff9b::192; see issue.test.ts).
  test.each(["64:ff9b::192.0.2.1", "::192.0.2.1", "::ffff:0:192.0.2.1"])(
    "rejects IPv6 with an embedded dotted IPv4 %j",
    (ip) => {
      expect(ipProblem(ip)).toBeDefined();
    },
  );

  // A zone id cannot go into a certificate (the SAN is 16 bytes); it is silently dropped there,
  // so the spec's value never matches the certificate again.
  test("rejects an IPv6 zone id (fe80::1%eth0)", () => {
    expect(ipProblem("fe80::1%eth0")).toBeDefined();
  });
});

describe("sanCovers", () => {
  test("exact DNS match is case-insensitive", () => {
    expect(sanCovers("MQTT.Example.com", ["mqtt.example.com"], [])).toBe(true);
    expect(sanCovers("mqtt.example.com", ["MQTT.EXAMPLE.COM"], [])).toBe(true);
    expect(sanCovers("other.example.com", ["mqtt.example.com"], [])).toBe(false);
  });

  test("a wildcard covers exactly one label", () => {
    const dns = ["*.example.com"];
    expect(sanCovers("a.example.com", dns, [])).toBe(true);
    expect(sanCovers("A.EXAMPLE.COM", dns, [])).toBe(true);
    expect(sanCovers("example.com", dns, [])).toBe(false);
    expect(sanCovers("a.b.example.com", dns, [])).toBe(false);
    expect(sanCovers(".example.com", dns, [])).toBe(false);
    expect(sanCovers("a.example.org", dns, [])).toBe(false);
    expect(sanCovers("aexample.com", dns, [])).toBe(false);
  });

  test("a host name is never covered by an IP entry, an IP never by a DNS entry", () => {
    expect(sanCovers("localhost", [], ["127.0.0.1"])).toBe(false);
    expect(sanCovers("127.0.0.1", ["127.0.0.1"], [])).toBe(false);
  });

  test("IPv4 needs an exact match", () => {
    expect(sanCovers("127.0.0.1", [], ["127.0.0.1"])).toBe(true);
    expect(sanCovers("127.0.0.2", [], ["127.0.0.1"])).toBe(false);
  });

  test("IPv6 compares by value, not spelling", () => {
    expect(sanCovers("::1", [], ["0:0:0:0:0:0:0:1"])).toBe(true);
    expect(sanCovers("0:0:0:0:0:0:0:1", [], ["::1"])).toBe(true);
    expect(sanCovers("0000:0000:0000:0000:0000:0000:0000:0001", [], ["::1"])).toBe(true);
    expect(sanCovers("2001:DB8::1", [], ["2001:db8:0:0:0:0:0:1"])).toBe(true);
    expect(sanCovers("2001:db8::1:0", [], ["2001:db8:0:0:0:0:1:0"])).toBe(true);
    expect(sanCovers("fe80::", [], ["FE80:0:0:0:0:0:0:0"])).toBe(true);
    expect(sanCovers("::", [], ["0:0:0:0:0:0:0:0"])).toBe(true);
    expect(sanCovers("::1", [], ["::2"])).toBe(false);
    expect(sanCovers("::1", [], ["1::"])).toBe(false);
    expect(sanCovers("2001:db8::1", [], ["2001:db8::1:0"])).toBe(false);
  });

  test("empty SAN lists cover nothing", () => {
    expect(sanCovers("localhost", [], [])).toBe(false);
    expect(sanCovers("::1", [], [])).toBe(false);
  });
});

describe("topicProblem", () => {
  test.each(["a", "mqtt-pki/sensor-001/hello", "devices/x y/z", "/leading", "trailing/", "ünïcode"])(
    "accepts %j",
    (topic) => {
      expect(topicProblem(topic)).toBeUndefined();
    },
  );

  test("empty", () => {
    expect(topicProblem("")).toBe("the topic is empty");
  });

  test.each(["a/+/b", "a/#", "#", "+", "a+b"])("wildcard %j", (topic) => {
    expect(topicProblem(topic)).toMatch(/wildcard/);
  });

  test.each(["a\u0000b", "a\nb", "a\tb", "a\u007fb"])("control characters %j", (topic) => {
    expect(topicProblem(topic)).toBe("the topic contains control characters");
  });
});

describe("hasControlCharacters", () => {
  test("flags C0 controls and DEL only", () => {
    expect(hasControlCharacters("plain text é")).toBe(false);
    expect(hasControlCharacters("a\rb")).toBe(true);
    expect(hasControlCharacters("\u001f")).toBe(true);
    expect(hasControlCharacters("\u007f")).toBe(true);
    expect(hasControlCharacters("\u0080")).toBe(false);
  });
});

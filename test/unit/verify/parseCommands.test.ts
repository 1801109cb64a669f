import { parseClientCommands } from "../../../src/verify/parseCommands.js";

describe("parseClientCommands", () => {
  test("reads mosquitto flags and the line number", () => {
    const script = [
      "#!/bin/sh",
      "set -eu",
      "mosquitto_sub -h localhost -p 8883 --cafile /pki/ca/ca.crt --cert /pki/c.crt --key /pki/c.key --tls-version tlsv1.3 -t a/b -C 1 -W 30 &",
      "sleep 1",
      "mosquitto_pub -h localhost -p 8883 --cafile /pki/ca/ca.crt --cert /pki/c.crt --key /pki/c.key -t a/b -m 'hello there'",
      "wait $!",
    ].join("\n");
    const [sub, pub] = parseClientCommands(script);
    expect(sub).toEqual({
      line: 3,
      tool: "mosquitto_sub",
      argv: [
        "mosquitto_sub",
        "-h",
        "localhost",
        "-p",
        "8883",
        "--cafile",
        "/pki/ca/ca.crt",
        "--cert",
        "/pki/c.crt",
        "--key",
        "/pki/c.key",
        "--tls-version",
        "tlsv1.3",
        "-t",
        "a/b",
        "-C",
        "1",
        "-W",
        "30",
      ],
      host: "localhost",
      port: 8883,
      protocol: "mqtts",
      path: undefined,
      caFile: "/pki/ca/ca.crt",
      certFile: "/pki/c.crt",
      keyFile: "/pki/c.key",
      tlsVersion: "tlsv1.3",
      topic: "a/b",
    });
    expect(pub.line).toBe(5);
    expect(pub.tool).toBe("mosquitto_pub");
    expect(pub.tlsVersion).toBeUndefined();
    expect(pub.argv.at(-1)).toBe("hello there");
  });

  test("the trailing & is not an argument", () => {
    const [sub] = parseClientCommands("mosquitto_sub -t x -W 30 &\n");
    expect(sub.argv).toEqual(["mosquitto_sub", "-t", "x", "-W", "30"]);
  });

  test("indented lines (inside an if) are found; mqttx reads --ca, -l and --path", () => {
    const script = [
      "if command -v mqttx >/dev/null 2>&1; then",
      "  mqttx sub -h broker.local -p 8884 -l wss --path /mqtt --ca /pki/ca.crt --cert /c.crt --key /c.key -t t &",
      "\tmqttx pub -h broker.local -p 8884 -l wss --path /mqtt --ca /pki/ca.crt --cert /c.crt --key /c.key -t t -m hi",
      "  sleep 1; kill $! 2>/dev/null || true",
      "fi",
    ].join("\n");
    const found = parseClientCommands(script);
    expect(found.map((i) => [i.line, i.tool, i.protocol, i.path, i.caFile, i.port])).toEqual([
      [2, "mqttx", "wss", "/mqtt", "/pki/ca.crt", 8884],
      [3, "mqttx", "wss", "/mqtt", "/pki/ca.crt", 8884],
    ]);
    // mosquitto's --cafile means nothing to mqttx
    expect(parseClientCommands("mqttx sub --cafile /x -t t")[0].caFile).toBeUndefined();
  });

  test("long flag spellings", () => {
    const [mq] = parseClientCommands("mqttx sub --hostname h --port 1 --protocol mqtts --topic t");
    expect([mq.host, mq.port, mq.protocol, mq.topic]).toEqual(["h", 1, "mqtts", "t"]);
    const [mo] = parseClientCommands("mosquitto_pub --host h2 --port 2 --topic t2");
    expect([mo.host, mo.port, mo.topic]).toEqual(["h2", 2, "t2"]);
  });

  test("quoting: single quotes, double quotes, '\"'\"' joins and backslashes", () => {
    const script = `mosquitto_pub --cafile '/tmp/my pki/ca.crt' --cert "/tmp/a b/c.crt" --key '/tmp/it'"'"'s/c.key' -t x\\ y`;
    const [pub] = parseClientCommands(script);
    expect(pub.caFile).toBe("/tmp/my pki/ca.crt");
    expect(pub.certFile).toBe("/tmp/a b/c.crt");
    expect(pub.keyFile).toBe("/tmp/it's/c.key");
    expect(pub.topic).toBe("x y");
  });

  test("ignores comments, other commands, and tools merely mentioned", () => {
    const script = [
      "# mosquitto_sub -h x",
      "echo mosquitto_pub",
      "command -v mqttx",
      "echo 'mosquitto_sub -h x'",
      "",
    ].join("\n");
    expect(parseClientCommands(script)).toEqual([]);
  });

  test("missing flags are undefined; a missing port is undefined, not NaN", () => {
    const [bare] = parseClientCommands("mosquitto_sub");
    expect(bare.host).toBeUndefined();
    expect(bare.port).toBeUndefined();
    expect(bare.caFile).toBeUndefined();
    expect(bare.topic).toBeUndefined();
  });

  test("splitting a line once per shape (the client's name swapped out) reads every line as splitting it directly does", () => {
    const lines = (name: string) =>
      [
        `mosquitto_sub -h h -p 1 --cafile /t/ca.crt --cert /t/clients/${name}/client.crt --key /t/clients/${name}/client.key -t mqtt-pki/${name}/hello -C 1 -W 30 &`,
        `mosquitto_pub -h h -p 1 -t "x/${name}" -m 'hello from ${name}' -u ${name}x\\${name} -P "${name}"'${name}'`,
        `mqttx pub -h h -p 2 -l wss --cert "/t/${name} dir/c.crt" -m '${name}'"'"'s' -t ${name}${name}`,
        `mosquitto_pub -t $${name} -m \${name} -u mqtt-pki-client-name`,
      ].join("\n");
    for (const name of ["a", "aa", "sensor-001", "x.y_z", "e", "mqtt-pki-client"]) {
      expect(parseClientCommands(lines(name), name)).toEqual(parseClientCommands(lines(name)));
      // A second client of the same shape comes from the cache and still gets its own name back.
      expect(parseClientCommands(lines(`${name}2`), `${name}2`)).toEqual(parseClientCommands(lines(`${name}2`)));
    }
  });
});

import { brokerUser, effectiveConf, listenerName } from "../../../src/lint/effectiveConf.js";
import { includedConfNames } from "../../../src/lint/paths.js";
import { parseMosquittoVersion, versionBefore } from "../../../src/lint/mosquittoVersion.js";
import { parseMosquittoConf } from "../../../src/verify/parseConf.js";

const MAIN = "/etc/mosquitto/mosquitto.conf";
const INCLUDED = "/etc/mosquitto/conf.d/a.conf";

describe("effectiveConf: the listeners mosquitto builds from several files", () => {
  test("an included file starts outside any listener block (its first options make the default listener)", () => {
    const conf = effectiveConf([
      parseMosquittoConf("listener 8883\ncafile /ca.crt\ninclude_dir /etc/mosquitto/conf.d\n", MAIN),
      parseMosquittoConf("protocol websockets\nlistener 9001\nprotocol websockets\n", INCLUDED),
    ]);
    expect(conf.listeners.map((l) => [l.file, l.line, l.port, l.isDefault, [...l.options.keys()]])).toEqual([
      [MAIN, 1, 8883, false, ["cafile"]],
      [INCLUDED, 2, 9001, false, ["protocol"]],
      [INCLUDED, 1, 1883, true, ["protocol"]],
    ]);
  });

  test("the default listener takes its port and place from `port`", () => {
    const conf = effectiveConf([parseMosquittoConf("user broker\nport 8883\ncertfile /s.crt\n", MAIN)]);
    expect(conf.listeners).toHaveLength(1);
    expect(conf.listeners[0]).toMatchObject({ line: 2, port: 8883, isDefault: true });
    expect(listenerName(conf.listeners[0])).toBe("the default listener (port 8883)");
  });

  test("no listener options anywhere: no default listener", () => {
    expect(effectiveConf([parseMosquittoConf("allow_anonymous false\npassword_file /p\n", MAIN)]).listeners).toEqual(
      [],
    );
  });

  test("security options follow per_listener_settings", () => {
    const text = "listener 1883\npassword_file /p\n";
    expect(effectiveConf([parseMosquittoConf(text, MAIN)]).occurrences.map((o) => o.target === "global")).toEqual([
      true,
    ]);
    expect(
      effectiveConf([parseMosquittoConf(`per_listener_settings true\n${text}`, MAIN)]).listeners[0].options.has(
        "password_file",
      ),
    ).toBe(true);
  });

  test("repeated lines are all occurrences, in line order", () => {
    const conf = effectiveConf([parseMosquittoConf("listener 1\ncafile /a\ncafile /b\ncafile /c\n", MAIN)]);
    expect(conf.occurrences.map((o) => `${o.option.line}:${o.option.value}`)).toEqual(["2:/a", "3:/b", "4:/c"]);
    expect(conf.listeners[0].options.get("cafile")?.value).toBe("/c");
  });

  test("brokerUser: the last `user` read wins; default mosquitto", () => {
    expect(brokerUser([parseMosquittoConf("listener 1\n", MAIN)])).toBe("mosquitto");
    expect(brokerUser([parseMosquittoConf("user a\nuser b\n", MAIN), parseMosquittoConf("user c\n", INCLUDED)])).toBe(
      "c",
    );
  });
});

describe("include_dir file order", () => {
  test("only *.conf (longer than the suffix), case-sensitive byte order, capitals first", () => {
    expect(
      includedConfNames(["b.conf", "A.conf", "a.conf", ".conf", "notes.txt", "x.conf.bak", "10-tls.conf"]),
    ).toEqual(["10-tls.conf", "A.conf", "a.conf", "b.conf"]);
  });
});

describe("mosquitto versions", () => {
  test("read from `mosquitto -h`", () => {
    expect(parseMosquittoVersion("mosquitto version 2.0.11\n\nmosquitto is an MQTT v5.0/v3.1.1/v3.1 broker.\n")).toBe(
      "2.0.11",
    );
    expect(parseMosquittoVersion("Error: unknown option\n")).toBeUndefined();
  });

  test("compared numerically, part by part", () => {
    expect(versionBefore("2.0.11", "2.0.12")).toBe(true);
    expect(versionBefore("2.0.12", "2.0.12")).toBe(false);
    expect(versionBefore("2.0.9", "2.0.12")).toBe(true);
    expect(versionBefore("2.1", "2.0.12")).toBe(false);
    expect(versionBefore("1.6.15", "2.0.12")).toBe(true);
  });
});
